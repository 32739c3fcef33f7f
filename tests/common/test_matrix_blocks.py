"""dtm.npz read a block of rows at a time (common.io.iter_matrix_blocks): the blocks stacked
are the matrix read_matrix reads, whatever the block size, compression or layout."""

from __future__ import annotations

import pytest
import scipy.sparse as sp

from pipeline.common.io import iter_matrix_blocks, read_matrix


def _counts(n_rows: int, layout: str = "csr") -> sp.spmatrix:
    matrix = sp.random(n_rows, 40, density=0.2, format=layout, random_state=3) * 9
    return matrix.astype("int32").asformat(layout)


@pytest.mark.parametrize(("n_rows", "rows", "compressed", "layout"), [
    (53, 7, True, "csr"), (53, 53, False, "csr"), (50, 100, True, "csr"), (12, 5, True, "csc")])
def test_blocks_stacked_are_the_whole_matrix(tmp_path, n_rows, rows, compressed, layout):
    path = tmp_path / "dtm.npz"
    sp.save_npz(path, _counts(n_rows, layout), compressed=compressed)
    whole = read_matrix(path)
    blocks = list(iter_matrix_blocks(path, rows))
    assert [b.shape[0] for b in blocks] == [min(rows, n_rows - s)
                                            for s in range(0, n_rows, rows)]
    stacked = sp.vstack(blocks).tocsr()
    assert stacked.dtype == whole.dtype and stacked.shape == whole.shape
    assert (stacked != whole).nnz == 0


def test_a_matrix_of_no_rows_has_no_blocks(tmp_path):
    path = tmp_path / "dtm.npz"
    sp.save_npz(path, sp.csr_matrix((0, 5), dtype="int32"))
    assert list(iter_matrix_blocks(path, 4)) == []
