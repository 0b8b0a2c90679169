"""Institution pseudonyms: a keyed hash of each institution's country and folded name, so that the
analysis data never carries a name, nobody without the key can hash guesses to find one, and two
institutions of one name in two countries ("National University") stay two institutions."""

from __future__ import annotations

import binascii
import hashlib
from contextlib import closing

import numpy as np
import pandas as pd
import pyarrow as pa

from microcred.survey import folding

SEPARATOR = "\x1f"  # between the country and the folded name in what is hashed


def institution_id(names: pd.Series, countries: pd.Series, key: str) -> pd.Series:
    """A stable pseudonym for each institution: a keyed hash (BLAKE2b in keyed mode, a MAC) of
    its country (the resolved ISO code) and its folded name, `country + "\\x1f" + folded name`.
    Without the key the names cannot be recovered by hashing guesses. A respondent who names no
    institution (nothing is left once folded) gets none: missing, so that each is a cluster of
    their own, not all one made-up institution. Each distinct (name, country) is hashed once."""
    codes, folded = folding.fold_chunks(names)  # hashed here as the next chunk is folded
    country_codes, country_labels = pd.factorize(countries)  # -1: no country
    width = len(country_labels) + 1
    pair, pairs = pd.factorize(codes.astype(np.int64) * width + country_codes + 1)
    name_of, country_of = pairs // width, pairs % width - 1
    by_name = np.argsort(name_of, kind="stable")  # the pairs in the order their names are folded
    first_pair = np.searchsorted(name_of[by_name], np.arange(name_of.max(initial=0) + 2))
    secret = hashlib.blake2b(key.encode(), digest_size=32).digest()  # any key length works
    base = hashlib.blake2b(key=secret, digest_size=8)  # the key block hashed once
    copies = []  # ... and each country with it (one bound `copy` each, called per name)
    for country in [*map(str, country_labels), ""]:
        prefix = base.copy()
        prefix.update((country + SEPARATOR).encode())
        copies.append(prefix.copy)
    unnamed, start = [], 0

    def hexed(chunk: np.ndarray) -> bytes:
        """The digests in hex of the pairs whose names are in this chunk, at once."""
        nonlocal start
        these = by_name[first_pair[start]:first_pair[min(start + len(chunk), len(first_pair) - 1)]]
        names_here, countries_here = (name_of[these] - start).tolist(), country_of[these].tolist()
        start += len(chunk)
        unnamed.append(chunk[names_here] == "")
        names = chunk.tolist()  # Python strings: no NumPy indexing per name
        return binascii.hexlify(b"".join([_digest(copies[c], names[i])
                                          for i, c in zip(names_here, countries_here)]))

    with closing(folded):
        hexes = b"".join([hexed(chunk) for chunk in folded])
    offsets = np.arange(0, len(hexes) + 1, 16, dtype=np.int32)  # straight into Arrow's buffers
    digests = pa.Array.from_buffers(pa.string(), len(offsets) - 1,
                                    [None, pa.py_buffer(offsets), pa.py_buffer(hexes)])
    position = np.empty(len(pairs), dtype=np.int64)  # each pair's place among the digests
    position[by_name] = np.arange(len(pairs))
    rows = pa.array(position[pair], mask=np.concatenate(unnamed)[position[pair]])
    return pd.Series(pd.arrays.ArrowExtensionArray(digests.take(rows)), index=names.index)


def _digest(copy, name: str) -> bytes:
    mac = copy()
    mac.update(name.encode())
    return mac.digest()
