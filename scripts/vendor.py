#!/usr/bin/env python3
"""Fetch the vendored front-end files into src/vidstream/static/vendor/, checked.

Each package is fetched with ``npm pack`` (the npm client and its configured
registry; no build step), its tarball checked against the SHA-512 pinned below (the
registry's own ``dist.integrity``), and only the listed files are copied out, with
the licence. Run it after changing a pin: ``python3 scripts/vendor.py``; with
``--check`` it only verifies that the files in the tree match a fresh fetch.
docs/decisions.md says why each package was chosen.
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "src" / "vidstream" / "static" / "vendor"

# name, version, tarball integrity, {file in the package: file under vendor/}
PINS = [
    (
        "uplot",
        "1.6.32",
        "sha512-KIMVnG68zvu5XXUbC4LQEPnhwOxBuLyW1AHtpm6IKTXImkbLgkMy+jabjLgSLMasNuGGzQm/ep3tOkyTxpiQIw==",
        {
            "package/dist/uPlot.iife.min.js": "uplot/uPlot.iife.min.js",
            "package/dist/uPlot.min.css": "uplot/uPlot.min.css",
            "package/LICENSE": "uplot/LICENSE",
        },
    ),
    (
        "media-chrome",
        "4.19.4",
        "sha512-QAL48kT03+InLijPzXN1end9fcsl0/l53j1laCfbt/79vF2iZ45dovv4wQMw2q9zOLEiDwWsB718NJPhtZUBDg==",
        {
            # The single-file build with every element, menus included.
            "package/dist/iife/all.js": "media-chrome/media-chrome.iife.js",
            "package/LICENSE": "media-chrome/LICENSE",
        },
    ),
    (
        "hls.js",
        "1.7.4",
        "sha512-3GlxGdPvT2YHvQYOt+yOzT/DEior/qJVNIylHA77kgeoBTdQQqi70GwefNEUmHQeNGyjC8U62+bruqW/Tpm+tg==",
        {
            "package/dist/hls.min.js": "hls.js/hls.min.js",
            "package/LICENSE": "hls.js/LICENSE",
        },
    ),
]


def fetch(name: str, version: str, integrity: str, work: Path) -> Path:
    """The package's tarball, fetched by npm and checked against ``integrity``."""
    subprocess.run(
        ["npm", "pack", f"{name}@{version}", "--silent", "--pack-destination", str(work)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    (tarball,) = work.glob(f"{name}-{version}.tgz")
    digest = base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
    if f"sha512-{digest}" != integrity:
        sys.exit(f"{name}@{version}: the tarball does not match its pinned SHA-512")
    return tarball


def main(check: bool) -> int:
    """Fetch every pin; write its files, or with ``check`` compare them."""
    differs = False
    with tempfile.TemporaryDirectory() as tmp:
        for name, version, integrity, files in PINS:
            with tarfile.open(fetch(name, version, integrity, Path(tmp))) as archive:
                for member, target in files.items():
                    extracted = archive.extractfile(member)
                    if extracted is None:
                        sys.exit(f"{name}@{version}: {member} is missing")
                    data = extracted.read()
                    path = VENDOR / target
                    if check:
                        differs |= not path.exists() or path.read_bytes() != data
                    else:
                        path.parent.mkdir(parents=True, exist_ok=True)
                        path.write_bytes(data)
                        print(f"{name}@{version}: {target}")
    if differs:
        print("vendored files differ from the pinned packages", file=sys.stderr)
    return 1 if differs else 0


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv[1:]))
