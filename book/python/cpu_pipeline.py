"""The item's final pipeline with a CPU-bound resize in pure Python: what the GIL does.

Closable queues (a SENTINEL ends iteration), stoppable workers, one download thread,
N resize threads, one upload thread, as in Effective Python's item "Use Queue to
coordinate work between threads". The resize is real work: a 4x4 box-filter downscale
of a 320x240 grey frame to 80x60, written in pure Python. No stage sleeps.

    python3 book/python/cpu_pipeline.py            # prints and writes cpu_pipeline.json

It runs 300 frames with 1, 2, 3 and 4 resize threads, five times each (interleaved),
and records the median wall time of each. The JSON it writes beside itself is what the book's
CPU-parallelism figure puts next to Rust's measured speed-up.
"""

import json
import os
import platform
import statistics
import sys
import time
from queue import Queue
from threading import Thread

WIDTH, HEIGHT, FACTOR = 320, 240, 4
FRAMES = 300
THREADS = (1, 2, 3, 4)
REPEATS = 5


class ClosableQueue(Queue):
    SENTINEL = object()

    def close(self):
        self.put(self.SENTINEL)

    def __iter__(self):
        while True:
            item = self.get()
            try:
                if item is self.SENTINEL:
                    return
                yield item
            finally:
                self.task_done()


class StoppableWorker(Thread):
    def __init__(self, func, in_queue, out_queue):
        super().__init__()
        self.func = func
        self.in_queue = in_queue
        self.out_queue = out_queue

    def run(self):
        for item in self.in_queue:
            self.out_queue.put(self.func(item))


def test_frame(seed):
    """A deterministic grey test frame, one byte per pixel."""
    return bytes(((x * 7 + y * 13 + seed) & 0xFF) for y in range(HEIGHT) for x in range(WIDTH))


# Made once, so that the download stage costs next to nothing and resize sets the pace.
TEST_FRAMES = [test_frame(seed) for seed in range(4)]


def download(frame_id):
    return TEST_FRAMES[frame_id % len(TEST_FRAMES)]


def resize(frame):
    """A 4x4 box-filter downscale: every output pixel is the mean of 16 input pixels."""
    out = bytearray((WIDTH // FACTOR) * (HEIGHT // FACTOR))
    i = 0
    for oy in range(0, HEIGHT, FACTOR):
        for ox in range(0, WIDTH, FACTOR):
            total = 0
            for y in range(oy, oy + FACTOR):
                row = y * WIDTH
                for x in range(ox, ox + FACTOR):
                    total += frame[row + x]
            out[i] = total // (FACTOR * FACTOR)
            i += 1
    return bytes(out)


def upload(thumbnail):
    return sum(thumbnail)


def start_threads(count, *args):
    threads = [StoppableWorker(*args) for _ in range(count)]
    for thread in threads:
        thread.start()
    return threads


def stop_threads(closable_queue, threads):
    for _ in threads:
        closable_queue.close()
    closable_queue.join()
    for thread in threads:
        thread.join()


def run(resize_threads, frames):
    download_queue = ClosableQueue()
    resize_queue = ClosableQueue()
    upload_queue = ClosableQueue()
    done_queue = ClosableQueue()
    download_threads = start_threads(1, download, download_queue, resize_queue)
    resize_workers = start_threads(resize_threads, resize, resize_queue, upload_queue)
    upload_threads = start_threads(1, upload, upload_queue, done_queue)
    started = time.perf_counter()
    cpu_started = time.process_time()
    for frame_id in range(frames):
        download_queue.put(frame_id)
    stop_threads(download_queue, download_threads)
    stop_threads(resize_queue, resize_workers)
    stop_threads(upload_queue, upload_threads)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    assert done_queue.qsize() == frames, done_queue.qsize()
    return elapsed, cpu


def cpu_model():
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main():
    one_frame = time.perf_counter()
    resize(download(0))
    one_frame = time.perf_counter() - one_frame
    # Repeats interleaved (1, 2, 3, 4, 1, 2, ...), so that a slow spell of a shared
    # machine hits every thread count alike.
    runs = {threads: [] for threads in THREADS}
    for _ in range(REPEATS):
        for threads in THREADS:
            runs[threads].append(run(threads, FRAMES))
    walls = {t: statistics.median(wall for wall, _ in runs[t]) for t in THREADS}
    # CPU time over wall time: how many cores the threads kept busy. With the GIL it
    # cannot pass 1, however many threads there are and however idle the machine is.
    busy = {t: statistics.median(cpu / wall for wall, cpu in runs[t]) for t in THREADS}
    for threads in THREADS:
        print(f"{threads} resize thread(s): {walls[threads]:.3f} s "
              f"(median of {REPEATS}), speed-up {walls[1] / walls[threads]:.2f}x, "
              f"cores busy {busy[threads]:.2f}")
    result = {
        "program": "book/python/cpu_pipeline.py",
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "gil": getattr(sys, "_is_gil_enabled", lambda: True)(),
        "machine": {"os": platform.system(), "cpu": cpu_model(), "cores": os.cpu_count()},
        "date": time.strftime("%Y-%m-%d", time.gmtime()),
        "frames": FRAMES,
        "frame": [WIDTH, HEIGHT],
        "filter": f"{FACTOR}x{FACTOR} box",
        "repeats": REPEATS,
        "one_resize_s": one_frame,
        "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "runs": [
            {"resize_threads": t, "wall_s": walls[t], "cores_busy": busy[t]} for t in THREADS
        ],
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cpu_pipeline.json")
    with open(path, "w") as out:
        json.dump(result, out, indent=2)
        out.write("\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
