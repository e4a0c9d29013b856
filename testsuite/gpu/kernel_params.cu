// kernel_params: kernels with many mixed parameters passed by value: char,
// short, bool, 64-bit ints, float, double, padded and 16-byte-aligned structs,
// pointers, a 1 KiB and a 4 KiB struct, and a 24-parameter kernel.
#include "common.h"

struct Mixed {     // padding between every member
    char a;
    double b;
    short c;
    int d[3];
};

struct alignas(16) Aligned {
    float4 v;
    char tag;
};

struct Big1K {
    int v[256];
};

struct Big4K {
    unsigned v[1024];
};

// Each parameter is echoed into out[] as a double (the pointer as a load).
__global__ void echo(char c, unsigned char uc, short s, unsigned short us, bool b, int i,
                     unsigned u, long long ll, unsigned long long ull, float f, double d,
                     Mixed m, Aligned al, const int *p, double *out)
{
    if (threadIdx.x != 0 || blockIdx.x != 0)
        return;
    int k = 0;
    out[k++] = c;
    out[k++] = uc;
    out[k++] = s;
    out[k++] = us;
    out[k++] = b ? 1 : 0;
    out[k++] = i;
    out[k++] = u;
    out[k++] = (double)ll;
    out[k++] = (double)(ull >> 11); // exact in a double
    out[k++] = f;
    out[k++] = d;
    out[k++] = m.a;
    out[k++] = m.b;
    out[k++] = m.c;
    out[k++] = m.d[0] + m.d[1] + m.d[2];
    out[k++] = al.v.x + al.v.y + al.v.z + al.v.w;
    out[k++] = al.tag;
    out[k++] = p[0] + p[1];
}

// Weighted sums of the big structs, computed by many threads.
__global__ void big_structs(Big1K a, char after, Big4K b, long long *out)
{
    int t = threadIdx.x;
    long long s = 0;
    for (int i = t; i < 256; i += blockDim.x)
        s += (long long)a.v[i] * (i + 1);
    for (int i = t; i < 1024; i += blockDim.x)
        s += (long long)b.v[i] * (i % 7);
    atomicAdd((unsigned long long *)&out[0], (unsigned long long)s);
    if (t == 0)
        out[1] = after;
}

#define P8(T, x) T x##0, T x##1, T x##2, T x##3, T x##4, T x##5, T x##6, T x##7
// 24 parameters: 8 ints, 8 doubles, 8 chars.
__global__ void many(P8(int, i), P8(double, d), P8(char, c), double *out)
{
    out[0] = i0 + 2 * i1 + 3 * i2 + 4 * i3 + 5 * i4 + 6 * i5 + 7 * i6 + 8 * i7;
    out[1] = d0 + 2 * d1 + 3 * d2 + 4 * d3 + 5 * d4 + 6 * d5 + 7 * d6 + 8 * d7;
    out[2] = c0 + 2 * c1 + 3 * c2 + 4 * c3 + 5 * c4 + 6 * c5 + 7 * c6 + 8 * c7;
}

int main()
{
    test_init("kernel_params");
    warm_up();
    double *dout;
    int *dp;
    long long *dsum;
    CHECK(cudaMalloc(&dout, 32 * sizeof(double)));
    CHECK(cudaMalloc(&dp, 2 * sizeof(int)));
    CHECK(cudaMalloc(&dsum, 2 * sizeof(long long)));
    int hp[2] = {40, 2};
    CHECK(cudaMemcpy(dp, hp, sizeof hp, cudaMemcpyHostToDevice));

    Mixed m = {-7, 2.5e-3, -30000, {1, 20, 300}};
    Aligned al = {make_float4(1.5f, 2.25f, -4.0f, 8.125f), 'Z'};
    const double want[] = {-100, 200, -12345, 54321, 1, -2000000000, 4000000000u,
                           -1234567890123LL, (double)(0xFEDCBA9876543210ULL >> 11),
                           3.14159274101257324, -2.718281828459045, -7, 2.5e-3, -30000,
                           321, 7.875, 'Z', 42};
    const int nwant = sizeof want / sizeof want[0];

    Big1K a;
    Big4K b;
    Rng rng(11);
    long long ref = 0;
    for (int i = 0; i < 256; i++) {
        a.v[i] = rng.range(-100000, 100000);
        ref += (long long)a.v[i] * (i + 1);
    }
    for (int i = 0; i < 1024; i++) {
        b.v[i] = rng.u32() >> 4;
        ref += (long long)b.v[i] * (i % 7);
    }

    Timer t;
    t.start();
    echo<<<1, 32>>>((char)-100, (unsigned char)200, (short)-12345, (unsigned short)54321,
                    true, -2000000000, 4000000000u, -1234567890123LL,
                    0xFEDCBA9876543210ULL, 3.14159265f, -2.718281828459045, m, al, dp, dout);
    CHECK_LAUNCH();
    double got[32];
    CHECK(cudaMemcpy(got, dout, nwant * sizeof(double), cudaMemcpyDeviceToHost));
    int bad = 0;
    for (int k = 0; k < nwant; k++)
        if (got[k] != want[k]) {
            printf("echo parameter %d: got %.17g want %.17g\n", k, got[k], want[k]);
            bad++;
        }
    printf("echo: %d scalar/struct/pointer parameters, bad=%d\n", nwant, bad);

    CHECK(cudaMemset(dsum, 0, 2 * sizeof(long long)));
    big_structs<<<1, 128>>>(a, 'q', b, dsum);
    CHECK_LAUNCH();
    long long sums[2];
    CHECK(cudaMemcpy(sums, dsum, sizeof sums, cudaMemcpyDeviceToHost));
    printf("1 KiB + 4 KiB structs: sum %s, char between them %s\n",
           sums[0] == ref ? "correct" : "wrong", sums[1] == 'q' ? "correct" : "wrong");

    many<<<1, 1>>>(1, 2, 3, 4, 5, 6, 7, 8, 0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 'a', 'b',
                   'c', 'd', 'e', 'f', 'g', 'h', dout);
    CHECK_LAUNCH();
    double m3[3];
    CHECK(cudaMemcpy(m3, dout, sizeof m3, cudaMemcpyDeviceToHost));
    t.stop();
    double wi = 0, wd = 0, wc = 0;
    for (int k = 0; k < 8; k++) {
        wi += (k + 1) * (k + 1);
        wd += (k + 1) * (k + 0.5);
        wc += (k + 1) * ('a' + k);
    }
    bool many_ok = m3[0] == wi && m3[1] == wd && m3[2] == wc;
    printf("24-parameter kernel: %.1f %.1f %.1f %s\n", m3[0], m3[1], m3[2],
           many_ok ? "correct" : "wrong");

    CHECK(cudaFree(dout));
    CHECK(cudaFree(dp));
    CHECK(cudaFree(dsum));
    EXPECT(bad == 0 && sums[0] == ref && sums[1] == 'q' && many_ok, "parameter mismatch");
    t.report();
    return test_pass();
}
