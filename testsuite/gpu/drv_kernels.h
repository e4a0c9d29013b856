// drv_kernels.h: the by-value struct parameter of drv_kernels.cu's
// mixed(), shared by the kernel and the programs that pack it.
#pragma once

struct Mixed {
    char c;
    double d;
    int i;
    float f[3];
};
