"""What vectorize.max_features keeps: terms and tokens of a capped document-term matrix
against the same corpus's uncapped one (two runs' outputs/interim/dtm.npz).

    python -m benchmarks.vocabulary_cap UNCAPPED/dtm.npz CAPPED/dtm.npz
"""

from __future__ import annotations

import argparse

import scipy.sparse as sp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("uncapped")
    parser.add_argument("capped")
    args = parser.parse_args()
    full, capped = sp.load_npz(args.uncapped), sp.load_npz(args.capped)
    print(f"documents {full.shape[0]:,} -> {capped.shape[0]:,}; terms {full.shape[1]:,} -> "
          f"{capped.shape[1]:,}; tokens kept {capped.sum() / full.sum():.1%}; nonzero cells "
          f"{full.nnz:,} -> {capped.nnz:,}")


if __name__ == "__main__":
    main()
