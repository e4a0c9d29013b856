#!/bin/sh
# nvcc-mpi-flags.sh MPICC compile|link
# Prints the MPI compiler wrapper's compile or link flags in a form nvcc
# accepts.  nvcc takes -I, -D, -L and -l itself, but not host-compiler or
# linker options such as -pthread or -Wl,-rpath,/opt/openmpi/lib: those
# are handed on with -Xcompiler / -Xlinker.
# Open MPI's wrapper answers --showme:compile / --showme:link; MPICH's
# (and Intel MPI's) -compile-info / -link-info print a whole command line,
# whose first word (the compiler) and source/output arguments are dropped.
# Override by hand with  make MPI_NVCC_CFLAGS=... MPI_NVCC_LIBS=...
set -f
mpicc=$1 what=$2
case $what in
compile) flags=$($mpicc --showme:compile 2>/dev/null) ||
             flags=$($mpicc -compile-info 2>/dev/null | cut -d' ' -f2-) ;;
link)    flags=$($mpicc --showme:link 2>/dev/null) ||
             flags=$($mpicc -link-info 2>/dev/null | cut -d' ' -f2-) ;;
*) echo "usage: $0 MPICC compile|link" >&2; exit 2 ;;
esac
if [ -z "$flags" ] && [ "$what" = link ]; then
    echo "$0: cannot get the $what flags of $mpicc" >&2
    exit 1
fi
out=
for f in $flags; do
    case $f in
    -I* | -D* | -L* | -l*) out="$out $f" ;;
    -Wl,*) out="$out -Xlinker ${f#-Wl,}" ;;
    -c | -o | *.c) ;;
    *) out="$out -Xcompiler $f" ;;
    esac
done
echo "${out# }"
