"""Institution pseudonyms: a keyed hash of each institution's country and folded name, so that the
analysis data never carries a name, nobody without the key can hash guesses to find one, and two
institutions of one name in two countries ("National University") stay two institutions."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor

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
    codes, distinct = folding.distinct(names)
    codes = np.where(codes < 0, len(distinct), codes)  # no name: after every name, no pseudonym
    country_codes, country_labels = pd.factorize(countries)  # -1: no country
    width = len(country_labels) + 1
    pair, pairs = pd.factorize(codes.astype(np.int64) * width + country_codes + 1)
    name_of, country_of = pairs // width, pairs % width - 1
    secret = hashlib.blake2b(key.encode(), digest_size=32).digest()  # any key length works
    base = hashlib.blake2b(key=secret, digest_size=8)  # the key block hashed once
    prefixes = []  # ... and each country with it, copied for each name
    for country in [*map(str, country_labels), ""]:
        prefix = base.copy()
        prefix.update((country + SEPARATOR).encode())
        prefixes.append(prefix)
    # The pairs in the order of their names, so that each chunk of folded names is hashed as soon
    # as it is folded, while a worker thread folds the next in Arrow's kernels: folding and
    # hashing overlap (at a million responses, 0.4 s of the pipeline's 8: benchmarks/NOTES.md).
    by_name = np.argsort(name_of, kind="stable")
    bounds = np.arange(CHUNK, len(distinct) + CHUNK, CHUNK).clip(max=len(distinct))
    ends = np.searchsorted(name_of[by_name], bounds)  # where each chunk's names' pairs end
    digests: list[str | None] = []
    with ThreadPoolExecutor(1) as worker:
        chunks = worker.map(folding.fold_many, [distinct[i:i + CHUNK]
                                                for i in range(0, len(distinct), CHUNK)])
        for first, (start, end) in enumerate(zip([0, *ends[:-1]], ends)):
            folded = next(chunks).tolist()  # Python strings: no NumPy indexing per name
            these = by_name[start:end]
            digests += [_digest(prefixes[c], folded[n]) if folded[n] else None
                        for n, c in zip((name_of[these] - first * CHUNK).tolist(),
                                        country_of[these].tolist())]
        digests += [None] * (len(pairs) - len(digests))  # the pairs of no name: no pseudonym
    position = np.empty(len(pairs), dtype=np.int64)  # each pair's place among the digests
    position[by_name] = np.arange(len(pairs))
    hashed = pa.array(digests, pa.string()).take(pa.array(position[pair]))
    return pd.Series(pd.arrays.ArrowExtensionArray(hashed), index=names.index)


CHUNK = 1 << 17  # names folded at a time: one chunk is hashed while the next is folded


def _digest(prefix, name: str) -> str:
    mac = prefix.copy()
    mac.update(name.encode())
    return mac.hexdigest()
