"""Institution pseudonyms: a keyed hash of each institution's folded name, so that the analysis
data never carries a name and nobody without the key can hash guesses to find one."""

from __future__ import annotations

import binascii
import hashlib
from contextlib import closing

import numpy as np
import pandas as pd
import pyarrow as pa

from microcred.survey import folding


def institution_id(names: pd.Series, key: str) -> pd.Series:
    """A stable pseudonym for each institution: a keyed hash (BLAKE2b in keyed mode, a MAC) of
    its folded name. Without the key the names cannot be recovered by hashing guesses. A
    respondent who names no institution (nothing is left once folded) gets none: missing, so
    that each is a cluster of their own, not all one made-up institution. Each distinct name is
    hashed once."""
    codes, folded = folding.fold_chunks(names)  # hashed here as the next chunk is folded
    secret = hashlib.blake2b(key.encode(), digest_size=32).digest()  # any key length works
    copy = hashlib.blake2b(key=secret, digest_size=8).copy  # the key block hashed once
    unnamed = []

    def digest(name: str) -> bytes:
        mac = copy()
        mac.update(name.encode())
        return mac.digest()

    def hexed(chunk: np.ndarray) -> bytes:
        """The chunk's digests in hex, at once: no Python string per name."""
        unnamed.append(chunk == "")
        return binascii.hexlify(b"".join([digest(n) for n in chunk]))

    with closing(folded):
        hexes = b"".join([hexed(chunk) for chunk in folded])
    offsets = np.arange(0, len(hexes) + 1, 16, dtype=np.int32)  # straight into Arrow's buffers
    digests = pa.Array.from_buffers(pa.string(), len(offsets) - 1,
                                    [None, pa.py_buffer(offsets), pa.py_buffer(hexes)])
    rows = pa.array(codes, mask=np.concatenate(unnamed)[codes])  # no name: a missing pseudonym
    return pd.Series(pd.arrays.ArrowExtensionArray(digests.take(rows)), index=names.index)
