#!/bin/sh
# Transport benchmark: our RPC against raw UCX (ucx_perftest) on the same
# transports, in one run.  Usage: bench-transport.sh BENCH_BIN [OUT_CSV]
# RTT: ours is a full call round trip; ucx_perftest's ucp_am_lat reports
# half a round trip, so the raw RTT is twice it.  Bandwidth: 64 MiB
# one-way payloads, ours vs ucp_am_bw.  Also the raw UCX round trip at
# our message sizes (bench_rawam beside BENCH_BIN: a 56-byte request and
# a 48-byte reply, each read by its receiver, as ours are), which tells
# the transport's own overhead from the cost of moving the bytes; and our
# stream in 8 MiB messages, the size the copy path sends (on the H100
# host 64 MiB messages ran at 0.76-0.83x of raw TCP, 8 MiB at 0.91-0.99x).
bin=${1:?usage: bench-transport.sh BENCH_BIN [OUT_CSV]}
csv=${2:-transport-bench.csv}
perftest=${UCX_PERFTEST:-ucx_perftest}
rawam=${BENCH_RAWAM:-$(dirname "$bin")/bench_rawam}
port=${PERFTEST_PORT:-13390}
# BENCH_CPUS="a b" runs the server side of both benchmarks on CPU a and
# the client side on CPU b.  Off by default: on the H100 VM it sped raw
# UCX up (tcp 10.4 -> 7.9 us) but not ours (12.0 -> 12.9 us), whose
# processes have helper threads (UCX async, liveness) that then share the
# one CPU; real deployments do not pin so tightly.
set -- ${BENCH_CPUS:-}
if [ $# -eq 2 ]; then
    pin1="taskset -c $1" pin2="taskset -c $2"
    BENCH_CPUS="$1 $2"; export BENCH_CPUS # bench_transport pins itself
    echo "server side on CPU $1, client side on CPU $2 (BENCH_CPUS)"
else
    pin1= pin2=
    unset BENCH_CPUS
fi

raw() { # tls test size iters -> prints the "Final:" columns
    UCX_TLS=$1 $pin1 $perftest -p $port >/dev/null 2>&1 &
    spid=$!
    sleep 0.7
    UCX_TLS=$1 $pin2 $perftest 127.0.0.1 -p $port -t $2 -s $3 -n $4 2>&1 |
        awk '/^Final:/ {print $3, $4, $6}'
    wait $spid 2>/dev/null
    port=$((port + 1))
}

echo "transport,our_rtt_us,raw_rtt_us,rtt_ratio,our_bw_MBps,raw_bw_MBps,bw_ratio,raw_rtt_oursize_us,oursize_ratio,our_bw_8MiB_MBps" > "$csv"
for tls in tcp "sm,self"; do
    set -- $(raw "$tls" ucp_am_lat 8 100000)
    raw_rtt=$(echo "$1" | awk '{printf "%.2f", 2 * $1}')
    set -- $(raw "$tls" ucp_am_bw 67108864 64)
    # ucx_perftest's MB is 2^20 bytes (UCX's perf code divides by
    # 1024^2); ours is 10^6 (bytes per microsecond): compare like units.
    raw_bw=$(echo "$3" | awk '{printf "%.0f", $1 * 1.048576}')
    set -- $($bin "$tls" 20000 64 2>/dev/null | grep '^TRANSPORT')
    our_rtt=$3 our_bw=$4
    sized=n/a sized_ratio=n/a
    if [ -x "$rawam" ]; then
        sized=$(UCX_TLS=$tls "$rawam" 56 48 100000 ${BENCH_CPUS:-} |
                awk '/^RAWAM/ {print $4}')
        sized_ratio=$(echo "$our_rtt $sized" | awk '{printf "%.2f", $1/$2}')
    fi
    bw8=$($bin "$tls" 1000 8 2>/dev/null | awk '/^TRANSPORT/ {print $4}')
    name=$tls; [ "$tls" = "sm,self" ] && name=shm
    echo "$name,$our_rtt,$raw_rtt,$(echo "$our_rtt $raw_rtt" | awk '{printf "%.2f", $1/$2}'),$our_bw,$raw_bw,$(echo "$our_bw $raw_bw" | awk '{printf "%.2f", $1/$2}'),$sized,$sized_ratio,$bw8" >> "$csv"
done
echo
echo "| transport | RTT ours (us) | RTT raw UCX (us) | ratio (<=1.5) | BW ours (MB/s) | BW raw UCX (MB/s) | ratio (>=0.9) | RTT raw UCX, our sizes (us) | ratio to it | BW ours, 8 MiB messages (MB/s) |"
echo "|---|---|---|---|---|---|---|---|---|---|"
tail -n +2 "$csv" | awk -F, '{printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1,$2,$3,$4,$5,$6,$7,$8,$9,$10}'
