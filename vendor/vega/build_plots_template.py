"""Build .dvc/plots_offline.html: DVC's plots page with vega, vega-lite and vega-embed inlined,
so `dvc plots show` draws its plots with no network (DVC's own page loads them from a CDN).

    cd /tmp && npm pack vega@5.20.2 vega-lite@5.2.0 vega-embed@6.18.2
    python vendor/vega/build_plots_template.py /tmp/vega-5.20.2.tgz \
        /tmp/vega-lite-5.2.0.tgz /tmp/vega-embed-6.18.2.tgz

The versions are the ones dvc-render's page asks for (the specs it writes are for them).
The template has no `{scripts}` placeholder: that is where DVC would put its CDN tags.
"""

from __future__ import annotations

import hashlib
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {"vega": "vega.min.js", "vega-lite": "vega-lite.min.js",
            "vega-embed": "vega-embed.min.js"}

PAGE = """<!DOCTYPE html>
<html>
<head>
    {{refresh_tag}}
    <meta charset="utf-8">
    <title>DVC Plot</title>
    <!-- Inlined for offline use (vendor/vega/build_plots_template.py): {versions}.
         BSD-3-Clause, (c) University of Washington Interactive Data Lab; license texts in
         vendor/vega/. -->
{scripts}
    <style>
        table {{
            border-spacing: 15px;
        }}
    </style>
</head>
<body>
    {{plot_divs}}
</body>
</html>
"""


def main(tarballs: list[str]) -> None:
    scripts, versions, sums = [], [], []
    for tarball in tarballs:
        with tarfile.open(tarball) as archive:
            package = archive.extractfile("package/package.json").read().decode()
            name = next(n for n in PACKAGES if f'"name": "{n}"' in package)
            version = package.split('"version": "', 1)[1].split('"', 1)[0]
            code = archive.extractfile(f"package/build/{PACKAGES[name]}").read().decode()
            license_text = archive.extractfile("package/LICENSE").read().decode()
        if "</script" in code.lower():
            raise SystemExit(f"{name}: its code holds </script and cannot be inlined as is")
        (ROOT / "vendor" / "vega" / f"LICENSE-{name}").write_text(license_text, "utf-8")
        scripts.append(f"    <script>/* {name}@{version} */\n{code}\n    </script>")
        versions.append(f"{name}@{version}")
        sums.append(f"{hashlib.sha256(code.encode()).hexdigest()}  {name}@{version}/build/"
                    f"{PACKAGES[name]}")
    order = [next(s for s in scripts if f"/* {n}@" in s) for n in PACKAGES]
    page = PAGE.format(versions=", ".join(versions), scripts="\n".join(order))
    (ROOT / ".dvc" / "plots_offline.html").write_text(page, "utf-8")
    (ROOT / "vendor" / "vega" / "SHA256SUMS").write_text("\n".join(sums) + "\n", "utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
