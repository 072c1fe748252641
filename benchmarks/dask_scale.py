"""A transposed convolution several times larger than each worker's memory, on a Dask cluster.

    python benchmarks/dask_scale.py                      # 2 workers x 1 GiB, 2 GiB in, 4 GiB out
    python benchmarks/dask_scale.py --quick              # tiny sizes: checks the script runs
    python benchmarks/dask_scale.py --scheduler tcp://scheduler:8786 --dir /shared/disk

The input is a float64 ``.npy`` on disk, read chunk by chunk by the workers
(``np.load(mmap_mode="r")`` inside the task, so a task never ships the file);
``deconv1d.dask.conv1d_transpose`` builds the lazy output and ``da.store``
writes it into a ``.npy`` made by ``np.lib.format.open_memmap``.  Printed:

- the sizes against the workers' ``memory_limit``, the wall time and throughput
  (input + output bytes per second), and each worker's peak resident memory
  (sampled every 20 ms) against its limit, and whether any worker
  was lost (the nanny restarts a worker that passes 95 % of its limit);
- the same problem on a slice that fits in memory, two ways: the one-shot
  ``deconv1d.conv1d_transpose`` in this process, and the Dask version on the
  cluster (input already on the workers, result gathered into this process);
- a check of the stored output: its first and last samples against the
  one-shot call on the first and last chunks of the input (with ``"same"``
  padding the crops do not depend on the length, so a prefix or suffix of the
  input gives a prefix or suffix of the output, away from the cut).

The files go under ``--dir`` (default: a fresh directory in ``/tmp``) and are
deleted at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import shutil
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

import dask.array as da  # noqa: E402
import distributed  # noqa: E402

import deconv1d  # noqa: E402
import deconv1d.dask  # noqa: E402

GiB, MiB = 2**30, 2**20


class NpyReader:
    """A ``.npy`` file as an array-like for ``da.from_array``: pickles as its path only."""

    def __init__(self, path: str):
        self.path = path
        array = np.load(path, mmap_mode="r")
        self.shape, self.dtype, self.ndim = array.shape, array.dtype, array.ndim

    def __getitem__(self, index):
        array = np.load(self.path, mmap_mode="r")
        return np.array(array[index])            # a copy; the mapping closes with `array`


class NpyWriter:
    """A ``.npy`` file made by ``open_memmap``, as a ``da.store`` target: pickles as its path."""

    def __init__(self, path: str):
        self.path = path

    def __setitem__(self, index, value):
        array = np.load(self.path, mmap_mode="r+")
        array[index] = value
        array.flush()


def start_sampling(dask_worker, every=0.02):
    """Sample this worker's resident memory every ``every`` s in a thread, keeping the peak.

    (``getrusage``'s ``ru_maxrss`` will not do: a forked process inherits its
    parent's peak.)
    """
    import threading

    import psutil

    process = psutil.Process()
    dask_worker.deconv1d_peak_rss = process.memory_info().rss
    dask_worker.deconv1d_sampling = True

    def sample():
        while dask_worker.deconv1d_sampling:
            rss = process.memory_info().rss
            dask_worker.deconv1d_peak_rss = max(dask_worker.deconv1d_peak_rss, rss)
            time.sleep(every)

    threading.Thread(target=sample, daemon=True).start()


def stop_sampling(dask_worker) -> int:
    """Stop :func:`start_sampling`; the peak resident memory it saw, in bytes."""
    dask_worker.deconv1d_sampling = False
    return dask_worker.deconv1d_peak_rss


def best_of(function, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return min(times), result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scheduler", help="address of a running scheduler (default: a "
                        "LocalCluster of --workers processes)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="1GiB", help="per worker (LocalCluster)")
    parser.add_argument("--input-gib", type=float, default=2.0)
    parser.add_argument("--chunk-mib", type=float, default=32.0, help="input chunk size")
    parser.add_argument("--fits-mib", type=float, default=256.0,
                        help="input size of the in-memory comparison")
    parser.add_argument("--dir", help="where the .npy files go (default: a new dir in /tmp)")
    parser.add_argument("--keep", action="store_true", help="keep the .npy files")
    parser.add_argument("--quick", action="store_true", help="tiny sizes (a smoke test)")
    args = parser.parse_args(argv)
    if args.quick:
        args.input_gib, args.chunk_mib, args.fits_mib = 0.01, 1.0, 2.0
        args.memory_limit = "512MiB"

    # The problem: a 2x upsampling layer, 8 -> 8 channels, K = 8, "same".
    n_batch, c_in, c_out, kernel_size, stride = 4, 8, 8, 8, 2
    rng = np.random.default_rng(15)
    w = rng.standard_normal((kernel_size, c_out, c_in)) / np.sqrt(kernel_size * c_in)
    bias = rng.standard_normal(c_out)
    kwargs = dict(stride=stride, padding="same", bias=bias)
    sample = c_in * 8                                       # bytes per input time step
    length = int(args.input_gib * GiB) // (n_batch * sample)
    chunk = max(int(args.chunk_mib * MiB) // sample, 1)
    out_length = deconv1d.output_length(length, kernel_size, stride, "same")

    directory = pathlib.Path(args.dir or tempfile.mkdtemp(prefix="deconv1d-dask-"))
    directory.mkdir(parents=True, exist_ok=True)
    x_path, y_path = str(directory / "x.npy"), str(directory / "y.npy")
    need = n_batch * (length * c_in + out_length * c_out) * 8
    free = shutil.disk_usage(directory).free
    if need > free * 0.8:
        parser.error(f"needs {need / GiB:.1f} GiB in {directory}, {free / GiB:.1f} GiB free")
    cluster = None
    try:
        # The cluster first, so its processes do not start from this one's mapped input.
        if args.scheduler:
            client = distributed.Client(args.scheduler)
        else:
            cluster = distributed.LocalCluster(
                n_workers=args.workers, threads_per_worker=1, processes=True,
                memory_limit=args.memory_limit, dashboard_address=None, silence_logs=40)
            client = distributed.Client(cluster)
        # Input, written here block by block (never whole in memory).
        x_file = np.lib.format.open_memmap(x_path, mode="w+", dtype=np.float64,
                                           shape=(n_batch, length, c_in))
        for n in range(n_batch):
            for start in range(0, length, chunk):
                stop = min(start + chunk, length)
                x_file[n, start:stop] = rng.standard_normal((stop - start, c_in))
        x_file.flush()
        del x_file
        np.lib.format.open_memmap(y_path, mode="w+", dtype=np.float64,
                                  shape=(n_batch, out_length, c_out)).flush()

        with client:
            workers = client.scheduler_info()["workers"]
            limits = {a: info["memory_limit"] for a, info in workers.items()}
            limit = min(limits.values())
            print(f"cluster: {len(workers)} workers, memory_limit "
                  f"{limit / GiB:.2f} GiB each, 1 thread each")
            print(f"problem: x {n_batch}x{length}x{c_in} float64 ({n_batch * length * sample / GiB:.2f} GiB)"
                  f" -> y {n_batch}x{out_length}x{c_out} ({n_batch * out_length * c_out * 8 / GiB:.2f} GiB);"
                  f" K={kernel_size}, s={stride}, same; input+output = "
                  f"{need / GiB:.2f} GiB = {need / limit:.1f}x one worker's limit")

            x = da.from_array(NpyReader(x_path), chunks=(1, chunk, c_in), asarray=False,
                              meta=np.empty((0, 0, 0)))
            y = deconv1d.dask.conv1d_transpose(x, w, **kwargs)
            print(f"chunks: {x.numblocks[0] * x.numblocks[1]} input chunks of "
                  f"{chunk * sample / MiB:.0f} MiB; halo "
                  f"{deconv1d.dask.halo(kernel_size, stride)} sample(s)")
            client.run(start_sampling)
            start = time.perf_counter()
            da.store(y, NpyWriter(y_path), lock=False)
            seconds = time.perf_counter() - start
            after = client.scheduler_info()["workers"]
            peaks = client.run(stop_sampling)
            lost = set(workers) - set(after)
            print(f"out of core: {seconds:.1f} s, {need / MiB / seconds:.0f} MiB/s "
                  f"(input + output), {n_batch * out_length / seconds / 1e6:.1f} M output "
                  f"samples/s")
            for address, peak in sorted(peaks.items()):
                print(f"  worker {address}: peak RSS {peak / MiB:.0f} MiB = "
                      f"{peak / limits.get(address, limit):.0%} of its limit")
            print(f"  workers lost or restarted: {len(lost)}")

            # Correctness of the stored file: prefix and suffix against the one-shot call.
            y_file = np.load(y_path, mmap_mode="r")
            x_file = np.load(x_path, mmap_mode="r")
            cut = min(3 * chunk, length)
            dk = kernel_size
            good = cut * stride - dk
            worst = 0.0
            for n in (0, n_batch - 1):
                head = deconv1d.conv1d_transpose(np.array(x_file[n:n + 1, :cut]), w, **kwargs)
                tail = deconv1d.conv1d_transpose(np.array(x_file[n:n + 1, -cut:]), w, **kwargs)
                for mine, theirs in [(y_file[n, :good], head[0, :good]),
                                     (y_file[n, -good:], tail[0, -good:])]:
                    worst = max(worst, float(np.max(np.abs(mine - theirs))))
            del y_file, x_file
            print(f"stored output against the one-shot call (first and last {good} samples "
                  f"of two rows): max |difference| {worst:.2g}")

            # A size that fits: one-shot in memory against the cluster into memory.
            fits = max(int(args.fits_mib * MiB) // (n_batch * sample), 1)
            small = np.array(np.load(x_path, mmap_mode="r")[:, :fits])
            fit_bytes = small.nbytes + n_batch * deconv1d.output_length(
                fits, kernel_size, stride, "same") * c_out * 8
            one_shot, expected = best_of(lambda: deconv1d.conv1d_transpose(small, w, **kwargs), 3)
            x_small = client.persist(x[:, :fits])  # loaded by the workers, not timed
            distributed.wait(x_small)
            blocks = deconv1d.dask.conv1d_transpose(x_small, w, **kwargs).to_delayed()
            on_cluster, parts = best_of(
                lambda: client.gather(client.compute(list(blocks.ravel()))), 3)
            grid = np.empty(len(parts), dtype=object)
            for i, part in enumerate(parts):
                grid[i] = part
            computed = np.block(grid.reshape(blocks.shape).tolist())
            difference = float(np.max(np.abs(computed - expected)))
            print(f"in memory, {small.nbytes / MiB:.0f} MiB in: one-shot "
                  f"{one_shot:.2f} s ({fit_bytes / MiB / one_shot:.0f} MiB/s, this process, "
                  f"{os.cpu_count()} cores); cluster {on_cluster:.2f} s "
                  f"({fit_bytes / MiB / on_cluster:.0f} MiB/s, incl. gathering the blocks "
                  f"here); max |difference| {difference:.2g}")
    finally:
        if cluster is not None:
            cluster.close()
        if not args.keep:
            for path in (x_path, y_path):
                if os.path.exists(path):
                    os.remove(path)
            if not args.dir:
                shutil.rmtree(directory, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
