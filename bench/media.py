"""Image processing: how long a 12-megapixel photo takes through ``process_image`` in the
process pool, how many a 2-worker pool gets through a second, and how much the server's event
loop lags while 20 of them are being uploaded and processed.

``python -m bench.media [--runs N] [--batch N] [--uploads N] [--workers N] [--distinct N]
[--width W] [--height H] [--quick]``

It generates photo-like JPEGs first (a tilted colour gradient, blotches at two scales, blurred
translucent shapes, a Mandelbrot layer and per-channel grain, saved at quality 90 with an EXIF
orientation of 6, so every one is stored on its side), then:

1. **single**: ``--runs`` images, one at a time, through ``cpu.run(pool, images.process_image, ...)``
   in ``cpu.create_pool(--workers)`` (all eight variants and the BlurHash), after one unmeasured
   run per worker;
2. **batch**: ``--batch`` images handed to the same pool at once: images per second;
3. **server**: Nexgate (``bench.probed``: ``nexgate serve --workers none`` plus the loop-lag probe)
   on its own databases, Redis prefix and RabbitMQ namespace, with ``NEXGATE_CPU_WORKERS=--workers``
   and the local storage backend in a temporary directory; a user registers, one unmeasured upload
   of ``--workers`` images starts the server's pool processes, then ``--uploads`` concurrent
   ``POST /api/media?purpose=post`` of one image each while the probe samples the loop.

Each pool figure comes with the CPU time the pool's processes used per image and the share of
their cores they got: the pool runs at niceness 10, so on a shared machine its rate says more
about the others than about us. Prints each phase, then a JSON line with every figure
(bench/README.md says what each one means). The target: loop-lag p99 under 20 ms while the
uploads are processed.
"""
from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import random
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
import uvloop
from PIL import Image, ImageChops, ImageDraw, ImageFilter

from bench.auth import PASSWORD, _bench_databases, _server_env
from bench.load import ServerFailed, _percentile_ms, free_port, running
from bench.ws import _delete_redis_keys, _load, delete_bus_namespace
from nexgate import cpu, migrations
from nexgate.client import ApiError, NexgateClient
from nexgate.config import Config
from nexgate.media import images

LAG_TARGET_MS = 20.0
EXIF_ORIENTATION = 0x0112
ROTATED_90_CW = 6  # stored on its side, as a phone held upright writes it: upright it is height × width
JPEG_QUALITY = 90
VARIANTS = 8  # thumbnail, medium, large, original, each as WebP and JPEG


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if min(args.runs, args.batch, args.uploads, args.workers, args.distinct) < 1:
        parser.error("--runs, --batch, --uploads, --workers and --distinct must each be at least 1")
    if args.quick:
        args.runs, args.batch, args.uploads, args.distinct = 5, 6, 6, 2
    load_start = _load()
    print(f"load average at start: {load_start}", flush=True)
    folder = Path(tempfile.mkdtemp(prefix="nexgate-bench-media-"))
    config = Config.from_env()
    run = uuid.uuid4().hex[:8]
    databases = _bench_databases(config, run)
    try:
        sources = _generate(args, folder)
        summary = uvloop.run(_pool_phases(args, sources, folder))
        for name, url in databases.items():
            migrations.apply(url, name)
        summary["server"] = uvloop.run(_server_phase(args, run, databases, sources, folder))
    except (ServerFailed, RuntimeError, ApiError) as error:
        print(f"bench.media: {error}", file=sys.stderr)
        return 1
    finally:
        for url in databases.values():
            migrations.drop_database(url)
        _delete_redis_keys(config.redis_url, f"nexgate-bench-{run}")
        uvloop.run(delete_bus_namespace(config, f"nexgate-bench-{run}", "bench.media"))
        shutil.rmtree(folder, ignore_errors=True)
    load_end = _load()
    print(f"load average at end: {load_end}", flush=True)
    server = summary["server"]
    print(json.dumps({
        "bench": "media", "cpus": os.cpu_count(), "workers": args.workers, "width": args.width,
        "height": args.height, "distinct_images": args.distinct, "load_start": load_start, **summary,
        "load_end": load_end, "clean": server["failed"] == 0,
        "loop_lag_target_met": _below(server["loop_lag"]["p99_ms"], LAG_TARGET_MS),
    }), flush=True)
    return 0 if server["failed"] == 0 else 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench.media", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="images processed one at a time (default 30)")
    parser.add_argument("--batch", type=int, default=20, help="images handed to the pool at once (default 20)")
    parser.add_argument("--uploads", type=int, default=20, help="concurrent uploads of one image each (default 20)")
    parser.add_argument("--workers", type=int, default=2,
                        help="processes in the pool, the bench's and the server's (default 2)")
    parser.add_argument("--distinct", type=int, default=4,
                        help="different pictures generated, used in turn (default 4)")
    parser.add_argument("--width", type=int, default=4000, help="stored width in pixels (default 4000)")
    parser.add_argument("--height", type=int, default=3000, help="stored height in pixels (default 3000)")
    parser.add_argument("--quick", action="store_true",
                        help="a check that everything works: 5 runs, 6 in the batch, 6 uploads, 2 pictures")
    return parser


# -- the pictures --------------------------------------------------------------------------


def photo(seed: int, width: int, height: int) -> bytes:
    """A JPEG with a photo's mix of smooth areas, edges and grain (so it costs what a photo costs to
    decode, resample and encode), stored on its side with EXIF orientation 6 and a camera's tags."""
    rng = random.Random(seed)
    top, bottom = [rng.randint(90, 230) for _ in range(3)], [rng.randint(10, 110) for _ in range(3)]
    ramp = Image.linear_gradient("L").rotate(rng.uniform(-15, 15), resample=Image.Resampling.BICUBIC)
    ramp = ramp.resize((width, height), Image.Resampling.BILINEAR)
    picture = Image.merge("RGB", [ramp.point(lambda v, a=a, b=b: a + (b - a) * v // 255) for a, b in zip(top, bottom)])
    for scale, weight in ((160, 0.25), (24, 0.12)):  # clouds, foliage
        blotch = Image.merge("RGB", [Image.effect_noise((max(2, width // scale), max(2, height // scale)), 48)
                                     for _ in range(3)])
        picture = Image.blend(picture, blotch.resize((width, height), Image.Resampling.BICUBIC), weight)
    overlay = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    reach = max(8, min(width, height) // 6)
    for _ in range(80):
        x, y, r = rng.randrange(width), rng.randrange(height), rng.randint(reach // 16, reach)
        colour = (*(rng.randrange(256) for _ in range(3)), rng.randint(120, 230))
        kind = rng.random()
        if kind < 0.4:
            draw.ellipse((x - r, y - r * 2 // 3, x + r, y + r * 2 // 3), fill=colour)
        elif kind < 0.8:
            corners = [(x + rng.randint(-r, r), y + rng.randint(-r, r)) for _ in range(rng.randint(3, 7))]
            draw.polygon(corners, fill=colour)
        else:
            draw.line((x, y, x + rng.randint(-3 * r, 3 * r), y + rng.randint(-3 * r, 3 * r)), fill=colour,
                      width=rng.randint(2, 24))
    soft = overlay.filter(ImageFilter.GaussianBlur(3))
    picture.paste(soft, mask=soft.getchannel("A"))
    detail = Image.effect_mandelbrot((width, height), (-2.1 - rng.random() * 0.2, -1.2, 0.9, 1.2), 64)
    picture = Image.blend(picture, detail.convert("RGB"), 0.12)
    grain = Image.merge("RGB", [Image.effect_noise((width, height), 12) for _ in range(3)])
    picture = ImageChops.add(picture, grain, offset=-128)
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = ROTATED_90_CW
    exif[0x010F], exif[0x0110], exif[0x0131] = "Nexgate", "bench.media camera", f"seed {seed}"  # make, model, software
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=JPEG_QUALITY, exif=exif.tobytes())
    return out.getvalue()


def _generate(args: argparse.Namespace, folder: Path) -> list[Path]:
    started = time.perf_counter()
    paths = []
    for seed in range(args.distinct):
        path = folder / f"photo-{seed}.jpg"
        path.write_bytes(photo(seed, args.width, args.height))
        paths.append(path)
    sizes = [round(path.stat().st_size / 2**20, 2) for path in paths]
    print(f"generated {len(paths)} {args.width}×{args.height} JPEGs (EXIF orientation {ROTATED_90_CW}, "
          f"{sizes} MiB) in {time.perf_counter() - started:.1f} s", flush=True)
    return paths


# -- the pool ------------------------------------------------------------------------------


async def _pool_phases(args: argparse.Namespace, sources: list[Path], folder: Path) -> dict:
    pool = cpu.create_pool(args.workers)
    max_pixels = args.width * args.height
    counter = iter(range(1 << 30))

    async def process(source: Path) -> tuple[float, dict]:
        out_dir = folder / f"out-{next(counter)}"
        out_dir.mkdir()
        try:
            began = time.perf_counter()
            result = await cpu.run(pool, images.process_image, str(source), str(out_dir), max_pixels)
            return time.perf_counter() - began, result
        finally:
            shutil.rmtree(out_dir, ignore_errors=True)

    try:
        warm = await asyncio.gather(*(process(sources[n % len(sources)]) for n in range(args.workers)))
        _check(warm[0][1], args)
        before_single = _pool_cpu()
        single = sorted([(await process(sources[n % len(sources)]))[0] for n in range(args.runs)])
        before_batch = _pool_cpu()
        started = time.perf_counter()
        batch = await asyncio.gather(*(process(sources[n % len(sources)]) for n in range(args.batch)))
        wall = time.perf_counter() - started
        single_cpu, batch_cpu = before_batch - before_single, _pool_cpu() - before_batch
    finally:
        pool.shutdown()
    single_figures = {"runs": len(single), "p50_ms": _percentile_ms(single, 0.5),
                      "p99_ms": _percentile_ms(single, 0.99), "min_ms": _ms(single[0]), "max_ms": _ms(single[-1]),
                      "cpu_s_per_image": round(single_cpu / len(single), 3)}
    batch_times = sorted(seconds for seconds, _ in batch)
    batch_figures = {"images": len(batch), "seconds": round(wall, 3), "images_per_s": round(len(batch) / wall, 2),
                     "handed_to_result_p50_ms": _percentile_ms(batch_times, 0.5),
                     **_pool_share(batch_cpu, len(batch), wall, args.workers)}
    made = warm[0][1]
    variants = ", ".join(f"{v['name']}.{v['format']} {v['width']}×{v['height']} {v['bytes'] // 1024} KiB"
                         for v in made["variants"])
    print(f"variants   {made['width']}×{made['height']} upright, blurhash {made['blurhash']}: {variants}", flush=True)
    print(f"single     process_image p50 {single_figures['p50_ms']} ms  p99 {single_figures['p99_ms']} ms  "
          f"min {single_figures['min_ms']} ms  max {single_figures['max_ms']} ms  ({len(single)} runs, one at a time, "
          f"pool of {args.workers}; {single_figures['cpu_s_per_image']} s CPU each)", flush=True)
    print(f"batch      {batch_figures['images_per_s']} images/s on {args.workers} workers  ({len(batch)} images in "
          f"{batch_figures['seconds']} s; from hand-over to result p50 {batch_figures['handed_to_result_p50_ms']} ms)",
          flush=True)
    print(f"           {_share_text(batch_figures, args.workers)}", flush=True)
    return {"single": single_figures, "batch": batch_figures}


def _pool_cpu() -> float:
    return _cpu_seconds(_children(os.getpid()))


def _check(result: dict, args: argparse.Namespace) -> None:
    """The figures are only worth having if the work was all done: upright, every variant, a BlurHash."""
    if (result["width"], result["height"]) != (args.height, args.width):
        raise RuntimeError(f"EXIF orientation not applied: {result['width']}×{result['height']}")
    if len(result["variants"]) != VARIANTS or not result["blurhash"]:
        raise RuntimeError(f"process_image made {len(result['variants'])} variants and blurhash {result['blurhash']!r}")


# -- the server ----------------------------------------------------------------------------


async def _server_phase(args: argparse.Namespace, run: str, databases: dict[str, str], sources: list[Path],
                        folder: Path) -> dict:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    media_dir = folder / "media"
    env = {**_server_env(run, databases), "NEXGATE_MEDIA_STORAGE": "local", "NEXGATE_MEDIA_LOCAL_DIR": str(media_dir),
           "NEXGATE_CPU_WORKERS": str(args.workers)}
    contents = [path.read_bytes() for path in sources]
    probed = [sys.executable, "-m", "bench.probed", "--port", str(port)]
    timeout = aiohttp.ClientTimeout(total=300)
    async with running(probed, f"{base}/health/live", env=env) as server, \
            aiohttp.ClientSession(timeout=timeout) as http:
        api = NexgateClient(base, session=http)
        username = f"media_{run}"
        await api.register(username=username, display_name=username, password=PASSWORD,
                           email=f"{username}@bench.example")
        await api.upload("post", [(f"warm-{n}.jpg", contents[n % len(contents)]) for n in range(args.workers)])

        await http.post(f"{base}/bench/loop-lag")
        await asyncio.sleep(1.0)
        idle_lag = await (await http.get(f"{base}/bench/loop-lag")).json()

        latencies: list[float] = []
        failures: list[str] = []

        async def upload(n: int) -> None:
            began = time.perf_counter()
            try:
                [media] = await api.upload("post", [(f"photo-{n}.jpg", contents[n % len(contents)])])
            except (ApiError, aiohttp.ClientError, TimeoutError) as error:
                failures.append(f"upload {n}: {error!r}")
                return
            latencies.append(time.perf_counter() - began)
            if media["status"] != "ready" or len(media["variants"]) != VARIANTS or not media["blurhash"] \
                    or (media["width"], media["height"]) != (args.height, args.width):
                failures.append(f"upload {n}: {media['status']}, {len(media['variants'])} variants, "
                                f"{media['width']}×{media['height']}")

        server_cpu, workers_cpu = _cpu_seconds([server.pid]), _cpu_seconds(_children(server.pid))
        await http.post(f"{base}/bench/loop-lag")
        started = time.perf_counter()
        await asyncio.gather(*(upload(n) for n in range(args.uploads)))
        wall = time.perf_counter() - started
        lag = await (await http.get(f"{base}/bench/loop-lag")).json()
        server_cpu = _cpu_seconds([server.pid]) - server_cpu
        share = _pool_share(_cpu_seconds(_children(server.pid)) - workers_cpu, args.uploads, wall, args.workers)
        stored = sum(1 for path in media_dir.rglob("*") if path.is_file())
    latencies.sort()
    verdict = "meets" if _below(lag["p99_ms"], LAG_TARGET_MS) else "MISSES"
    mib = sum(len(contents[n % len(contents)]) for n in range(args.uploads)) / 2**20
    print(f"server     {args.uploads} concurrent uploads ({mib:.1f} MiB) in {wall:.2f} s "
          f"({args.uploads / wall:.2f} images/s), {len(failures)} failed, {stored} files stored "
          f"(with the warm-up's; {(args.uploads + args.workers) * VARIANTS} expected); each answered p50 "
          f"{_percentile_ms(latencies, 0.5)} ms  max {_ms(latencies[-1]) if latencies else None} ms", flush=True)
    print(f"           loop lag while uploading p50 {lag['p50_ms']} ms  p99 {lag['p99_ms']} ms  max {lag['max_ms']} ms "
          f"({lag['samples']} samples; {verdict} the {LAG_TARGET_MS:.0f} ms p99 target); idle before: p50 "
          f"{idle_lag['p50_ms']} ms  p99 {idle_lag['p99_ms']} ms  max {idle_lag['max_ms']} ms", flush=True)
    print(f"           {_share_text(share, args.workers)}; the server process itself {server_cpu:.2f} s CPU",
          flush=True)
    for failure in failures[:5]:
        print(f"           {failure}", flush=True)
    return {"uploads": args.uploads, "failed": len(failures), "upload_mib": round(mib, 2), "seconds": round(wall, 3),
            "images_per_s": round(args.uploads / wall, 2), "response_p50_ms": _percentile_ms(latencies, 0.5),
            "response_max_ms": _ms(latencies[-1]) if latencies else None,
            "stored_files": stored, **share, "server_process_cpu_s": round(server_cpu, 3), "loop_lag": lag,
            "idle_loop_lag": idle_lag}


def _children(pid: int) -> list[int]:
    """The processes ``pid`` started (its pool's workers and multiprocessing's resource tracker)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:  # a thread that has just ended
            pass
    return found


def _cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time the processes have used so far (/proc/<pid>/stat)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15 of stat(5)
    return total / os.sysconf("SC_CLK_TCK")


def _pool_share(cpu_s: float, images_done: int, wall: float, workers: int) -> dict:
    """CPU time per image in the pool, how much of its cores the pool got, and the rate it would
    have had with all of them: on a shared machine the pool (niceness 10) gets what is left."""
    per_image = cpu_s / images_done if images_done else None
    return {"cpu_s_per_image": round(per_image, 3) if per_image else None,
            "pool_core_share": round(cpu_s / (wall * workers), 3),
            "images_per_s_with_whole_cores": round(workers / per_image, 2) if per_image else None}


def _share_text(figures: dict, workers: int) -> str:
    return (f"pool: {figures['cpu_s_per_image']} s CPU per image, {100 * figures['pool_core_share']:.0f}% of its "
            f"{workers} cores; with them whole: {figures['images_per_s_with_whole_cores']} images/s")


def _ms(seconds: float) -> float:
    return round(1000 * seconds, 3)


def _below(value: float | None, target: float) -> bool:
    return value is not None and value < target


if __name__ == "__main__":
    sys.exit(main())
