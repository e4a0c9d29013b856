// mem_info: cudaMemGetInfo before and after a 1 GiB cudaMalloc and after the
// cudaFree: free <= total, free drops by at least 1 GiB, then rises again.
#include "common.h"

int main()
{
    test_init("mem_info");
    warm_up();
    const size_t big = 1ull << 30;
    Timer t;
    t.start();
    size_t free0, total0, free1, total1, free2, total2;
    CHECK(cudaMemGetInfo(&free0, &total0));
    void *p;
    CHECK(cudaMalloc(&p, big));
    CHECK(cudaMemGetInfo(&free1, &total1));
    CHECK(cudaFree(p));
    CHECK(cudaMemGetInfo(&free2, &total2));
    t.stop();

    cudaDeviceProp prop;
    CHECK(cudaGetDeviceProperties(&prop, 0));
    bool ok1 = free0 <= total0 && total0 > 0;
    bool ok2 = total0 == total1 && total1 == total2;
    bool ok3 = free1 + big <= free0;
    bool ok4 = free2 > free1;
    bool ok5 = total0 <= prop.totalGlobalMem;
    printf("free <= total: %s\n", ok1 ? "yes" : "no");
    printf("total constant: %s\n", ok2 ? "yes" : "no");
    printf("free dropped by >= 1 GiB after cudaMalloc: %s\n", ok3 ? "yes" : "no");
    printf("free rose after cudaFree: %s\n", ok4 ? "yes" : "no");
    printf("total <= totalGlobalMem: %s\n", ok5 ? "yes" : "no");
    EXPECT(ok1 && ok2 && ok3 && ok4 && ok5, "memory accounting wrong");
    t.report();
    return test_pass();
}
