#!/bin/sh
# plot.sh CUDA_BENCH_TXT OUT_DIR - copy bandwidth by size, native vs gvirtus
# over TCP and shared memory, as PNG (gnuplot) and CSV.
# Input: the "label name size value unit" lines of gpu-host.sh's
# cuda-bench.txt.
set -e
in=${1:?usage: plot.sh cuda-bench.txt OUT_DIR}
out=${2:-.}
mkdir -p "$out"
for m in h2d_pageable d2h_pageable h2d_pinned d2h_pinned; do
    { echo "size,native,tcp,shm"
      awk -v m=$m '$2 == m { v[$3, $1] = $4; s[$3] = 1 }
          END { for (k in s) printf "%s,%s,%s,%s\n", k, v[k, "native"],
                                    v[k, "tcp"], v[k, "shm"] }' "$in" |
          sort -t, -k1,1n; } > "$out/$m.csv"
done
command -v gnuplot >/dev/null || { echo "gnuplot missing: CSV only"; exit 0; }
gnuplot <<EOF2
set terminal pngcairo size 1200,800 font ",11"
set output "$out/copy-bandwidth.png"
set datafile separator ","
set multiplot layout 2,2 title "cudaMemcpy bandwidth: native vs gvirtus (H100 host, loopback)"
set logscale x 2
set format x "%.0s%cB"
set xlabel "copy size"
set ylabel "GB/s"
set key top left
do for [m in "h2d_pageable d2h_pageable h2d_pinned d2h_pinned"] {
    set title m noenhanced
    plot "$out/".m.".csv" using 1:2 skip 1 with linespoints title "native", \
         "" using 1:3 skip 1 with linespoints title "gvirtus TCP", \
         "" using 1:4 skip 1 with linespoints title "gvirtus shm"
}
unset multiplot
EOF2
echo "wrote $out/copy-bandwidth.png"
