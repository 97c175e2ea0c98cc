#!/usr/bin/python3
"""Start-up to first reply of installed Jupyter kernels, side by side.

    /usr/bin/python3 kernel/jupytertest/bench_startup.py [--runs 10] goparallel python3

For each kernel and run: start the kernel process with jupyter_client, send
kernel_info_request on shell as soon as the channels are up, and time from the
start call to the kernel_info_reply. Prints `KERNEL startup-to-first-reply median s X`.

This is what "start-up to first reply" means; ../shared/bench/kernel_roundtrip.py
reports the time until start_new_kernel() returns, which also includes
jupyter_client's wait_for_ready iopub flush: at least 0.2 s of iopub silence
after the first reply, whatever the kernel.
"""
import argparse
import statistics
import time

from jupyter_client.manager import KernelManager


def first_reply(kernel):
    km = KernelManager(kernel_name=kernel)
    t = time.perf_counter()
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    try:
        deadline = t + 60
        while True:
            msg_id = kc.kernel_info()
            try:
                reply = kc.get_shell_msg(timeout=0.05)
            except Exception:
                if time.perf_counter() > deadline:
                    raise SystemExit(f"{kernel}: no kernel_info_reply in 60 s")
                continue
            if reply["parent_header"].get("msg_id") == msg_id or reply["msg_type"] == "kernel_info_reply":
                return time.perf_counter() - t
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kernels", nargs="+")
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()
    for k in args.kernels:
        times = [first_reply(k) for _ in range(args.runs)]
        print("%s startup-to-first-reply median s %.3f min %.3f" % (k, statistics.median(times), min(times)), flush=True)


if __name__ == "__main__":
    main()
