"""Make the seed that gives every new engine the course's layers without a pull.

    python3 course_layers.py LAYERS_DIR CACHE < LAYER_LISTS

LAYERS_DIR/data is the data root of a throwaway dockerd that pulled the
course's images through the classroom cache (dockyard-course-layers, kept from
one refresh to the next, so layers that older seeds name stay); LAYER_LISTS has one
JSON list of diff IDs per image, bottom layer first (`docker image inspect
--format '{{json .RootFS.Layers}}'`). CACHE names the image cache they came
from (its port): a seed holds that cache's blob digests, so each install's
engines read the seed of their own cache, `seed-<CACHE>`, even where several
installs share this volume. The seed is a tree laid over a new
engine's /var/lib/docker before its dockerd starts (entrypoint.sh,
seed_course_layers). It holds, for each layer:

- image/overlay2/layerdb/sha256/<chain ID>/: what dockerd's layer store reads
  (tar-split.json.gz is a link into the data root);
- overlay2/<cache ID>/: its `link` and `lower` files, `committed` (so dockerd
  never mounts it writable), and `diff` as a link to the unpacked layer in the
  data root, read-only for every sandbox;
- overlay2/l/<link>: the short name overlay mounts use;
- image/overlay2/distribution/: which registry blob is that layer, so a pull
  of the image says "Already exists" instead of downloading and unpacking it.

No image refers to the seeded layers: `docker images` stays empty until the
student pulls, and the pull then fetches only the manifest and the config.
Removing the image removes the engine's links, never the shared files.
"""

import hashlib
import json
import os
import shutil
import sys
import time

STORE = "image/overlay2"


def chain_ids(diff_ids: list[str]) -> list[str]:
    chain = []
    for diff_id in diff_ids:
        if chain:
            diff_id = "sha256:" + hashlib.sha256(f"{chain[-1]} {diff_id}".encode()).hexdigest()
        chain.append(diff_id)
    return chain


def read(path: str) -> str:
    with open(path) as f:
        return f.read()


def write(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def link(target: str, path: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    os.symlink(target, path)


def hex_of(digest: str) -> str:
    return digest.split(":", 1)[1]


def seed_layer(data_root: str, seed: str, chain_id: str) -> str:
    """Lay one layer into the seed; returns its diff ID."""
    source = os.path.join(data_root, STORE, "layerdb/sha256", hex_of(chain_id))
    target = os.path.join(seed, STORE, "layerdb/sha256", hex_of(chain_id))
    for name in ("cache-id", "diff", "size", "parent"):  # dockerd may rewrite these: copies
        if os.path.exists(os.path.join(source, name)):
            write(os.path.join(target, name), read(os.path.join(source, name)))
    link(os.path.join(source, "tar-split.json.gz"), os.path.join(target, "tar-split.json.gz"))

    cache_id = read(os.path.join(source, "cache-id")).strip()
    layer = os.path.join(data_root, "overlay2", cache_id)
    seeded = os.path.join(seed, "overlay2", cache_id)
    short = read(os.path.join(layer, "link")).strip()
    write(os.path.join(seeded, "link"), short)
    if os.path.exists(os.path.join(layer, "lower")):
        write(os.path.join(seeded, "lower"), read(os.path.join(layer, "lower")))
        os.makedirs(os.path.join(seeded, "work"))
        # dockerd mounts a "committed" layer read-only (its diff as one more lower
        # layer) when it reads the layer whole, as `docker save` and `docker push`
        # do; without the mark it would try to write to the shared diff.
        write(os.path.join(seeded, "committed"), "")
    link(os.path.join(layer, "diff"), os.path.join(seeded, "diff"))
    link(f"../{cache_id}/diff", os.path.join(seed, "overlay2/l", short))
    return read(os.path.join(source, "diff")).strip()


def seed_distribution(data_root: str, seed: str, diff_ids: set[str]) -> None:
    """The registry blobs that are these layers, as dockerd recorded them while pulling."""
    by_digest = os.path.join(data_root, STORE, "distribution/diffid-by-digest/sha256")
    for name in sorted(os.listdir(by_digest)) if os.path.isdir(by_digest) else []:
        diff_id = read(os.path.join(by_digest, name)).strip()
        if diff_id in diff_ids:
            write(os.path.join(seed, STORE, "distribution/diffid-by-digest/sha256", name), diff_id)
    by_diff_id = os.path.join(data_root, STORE, "distribution/v2metadata-by-diffid/sha256")
    for diff_id in sorted(diff_ids):
        source = os.path.join(by_diff_id, hex_of(diff_id))
        if os.path.exists(source):
            write(os.path.join(seed, STORE, "distribution/v2metadata-by-diffid/sha256", hex_of(diff_id)), read(source))


def make_seed(data_root: str, seed: str, layer_lists: list[list[str]]) -> int:
    chains = {chain_id for diff_ids in layer_lists for chain_id in chain_ids(diff_ids)}
    diff_ids = {seed_layer(data_root, seed, chain_id) for chain_id in sorted(chains)}
    seed_distribution(data_root, seed, diff_ids)
    return len(chains)


def publish(layers_dir: str, cache: str, layer_lists: list[list[str]]) -> None:
    """Write a new seed beside the old ones, then point `seed-<cache>` at it in one rename.

    An engine starting meanwhile copies either seed whole. That cache's seed
    before the last is removed: no copy of it can still be under way by then.
    """
    seeds = os.path.join(layers_dir, "seeds")
    name = f"{cache}-" + time.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}"
    count = make_seed(os.path.join(layers_dir, "data"), os.path.join(seeds, name), layer_lists)
    pointer = os.path.join(layers_dir, f"seed-{cache}")
    os.symlink(f"seeds/{name}", pointer + ".new")
    os.replace(pointer + ".new", pointer)
    for old in sorted(entry for entry in os.listdir(seeds) if entry.startswith(f"{cache}-"))[:-2]:
        shutil.rmtree(os.path.join(seeds, old))
    print(f"dockyard-course-layers: {count} layers seeded ({name})", file=sys.stderr)


def main() -> None:
    if len(sys.argv) != 3 or not sys.argv[2].isdigit():
        raise SystemExit("usage: course_layers.py LAYERS_DIR CACHE_PORT < LAYER_LISTS")
    layer_lists = [json.loads(line) for line in sys.stdin if line.strip()]
    publish(sys.argv[1], sys.argv[2], layer_lists)


if __name__ == "__main__":
    main()
