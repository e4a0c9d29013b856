// memcpy_peer_default: cudaMemcpyPeer / PeerAsync between two buffers of
// device 0, and cudaMemcpyDefault (direction inferred from unified addresses)
// for H2D, D2D, D2H and H2H with pageable and pinned host memory.
#include "common.h"

#include <vector>

int main()
{
    test_init("memcpy_peer_default");
    const size_t n = (4u << 20) + 3; // bytes
    std::vector<unsigned char> src(n), dst(n);
    Rng rng(17);
    for (auto &b : src)
        b = (unsigned char)rng.u32();

    warm_up();
    unsigned char *a, *b, *c, *pin;
    CHECK(cudaMalloc(&a, n));
    CHECK(cudaMalloc(&b, n));
    CHECK(cudaMalloc(&c, n));
    CHECK(cudaMallocHost(&pin, n));
    cudaStream_t s;
    CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    int ok = 1;
    auto check = [&](const char *what, const unsigned char *got) {
        bool same = memcmp(got, src.data(), n) == 0;
        printf("%s: %s\n", what, same ? "ok" : "wrong");
        ok &= same;
    };

    Timer t;
    t.start();
    CHECK(cudaMemcpy(a, src.data(), n, cudaMemcpyDefault)); // pageable -> device
    CHECK(cudaMemcpyPeer(b, 0, a, 0, n));                    // device 0 -> device 0
    CHECK(cudaMemset(c, 0, n));
    CHECK(cudaMemcpyPeerAsync(c, 0, b, 0, n, s));
    CHECK(cudaStreamSynchronize(s));
    CHECK(cudaMemcpy(dst.data(), c, n, cudaMemcpyDefault)); // device -> pageable
    check("Default H2D, Peer, PeerAsync, Default D2H", dst.data());

    CHECK(cudaMemset(a, 0, n));
    CHECK(cudaMemcpy(a, c, n, cudaMemcpyDefault)); // device -> device
    memset(pin, 0, n);
    CHECK(cudaMemcpyAsync(pin, a, n, cudaMemcpyDefault, s)); // device -> pinned
    CHECK(cudaStreamSynchronize(s));
    check("Default D2D, Default async D2H to pinned", pin);

    CHECK(cudaMemset(b, 0, n));
    CHECK(cudaMemcpyAsync(b, pin, n, cudaMemcpyDefault, s)); // pinned -> device
    std::vector<unsigned char> tmp(n);
    CHECK(cudaMemcpyAsync(tmp.data(), b, n, cudaMemcpyDefault, s));
    CHECK(cudaStreamSynchronize(s));
    check("Default async H2D from pinned, to pageable", tmp.data());

    // Host to host through cudaMemcpy with cudaMemcpyDefault and HostToHost.
    std::vector<unsigned char> h2(n);
    CHECK(cudaMemcpy(h2.data(), pin, n, cudaMemcpyDefault));
    check("Default H2H", h2.data());
    std::fill(h2.begin(), h2.end(), 0);
    CHECK(cudaMemcpy(h2.data(), src.data(), n, cudaMemcpyHostToHost));
    check("HostToHost", h2.data());
    t.stop();

    CHECK(cudaStreamDestroy(s));
    CHECK(cudaFreeHost(pin));
    CHECK(cudaFree(a));
    CHECK(cudaFree(b));
    CHECK(cudaFree(c));
    EXPECT(ok, "copies wrong");
    t.report();
    return test_pass();
}
