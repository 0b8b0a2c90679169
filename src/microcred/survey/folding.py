"""Text folded for matching (`fold`: case, accents, punctuation and spacing away), as spellings of
countries and names of institutions are matched. Each distinct value is folded once; a million
names fold in Arrow's kernels.

pandas is imported inside the functions, so that importing this module stays cheap."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


def fold(text: str) -> str:
    """Case, accents, punctuation and spacing folded away: the key spellings are matched on."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", plain).split())


def fold_unique(values: pd.Series) -> pd.Series:
    """fold() of every value, computed once per distinct value; missing values fold to ''."""
    import pandas as pd

    codes, folded = fold_codes(values)
    return pd.Series(folded[codes], index=values.index)


def fold_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The folds of the distinct values of `values` (each folded once; for a categorical, each
    category in use) and each value's code into them: `folded[codes]` is fold() of every value,
    '' for a missing one (the last entry). Two spellings that fold alike keep an entry each
    (merging them would hash every fold once more than it saves). Nothing is remembered
    between calls."""
    import numpy as np

    codes, values = distinct(values)
    folded = np.append(fold_many(values), "").astype(object)
    return np.where(codes < 0, len(values), codes), folded


def distinct(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes into the distinct values (-1 where missing) and those values: a categorical's
    categories that occur (a filtered frame keeps every category of the file), else factorised."""
    import numpy as np
    import pandas as pd

    if not isinstance(values.dtype, pd.CategoricalDtype):
        return pd.factorize(values)
    codes = values.cat.codes.to_numpy()
    used = np.flatnonzero(np.bincount(codes + 1, minlength=len(values.cat.categories) + 1)[1:])
    renumber = np.full(len(values.cat.categories) + 1, -1)  # last entry: code -1 stays -1
    renumber[used] = np.arange(len(used))
    return renumber[codes], values.cat.categories.to_numpy(object)[used]


def fold_many(texts) -> np.ndarray:
    """fold() of each text. Text in plain ASCII (nearly every name) folds in Arrow: nothing to
    decompose, case folding is lowering, and `\\w` is [a-z0-9_] there; so does accented Latin
    text whose letters decompose to plain ones (see `_marks_dropped`). Other text takes the
    Unicode path in pandas."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.array(texts, type=pa.string())
    plain = pc.string_is_ascii(text).to_numpy(zero_copy_only=False)
    out = _ascii_fold(text)
    other = np.flatnonzero(~plain)
    latin = pc.match_substring_regex(text.take(other), LATIN).to_numpy(zero_copy_only=False)
    accented = other[latin]
    if len(accented):
        stripped = _marks_dropped(text.take(accented))
        now_plain = pc.string_is_ascii(stripped).to_numpy(zero_copy_only=False)
        out[accented[now_plain]] = _ascii_fold(stripped.filter(now_plain))
        plain[accented[now_plain]] = True
    if not plain.all():
        other = pd.Series(texts, dtype=object)[~plain]
        out[~plain] = (other.str.normalize("NFKD").str.replace(COMBINING, "", regex=True)
                       .str.casefold().str.replace(r"[^\w]+", " ", regex=True)
                       .str.strip()).to_numpy()
    return out


def _ascii_fold(text) -> np.ndarray:
    """fold() of plain-ASCII text in Arrow. Arrow's regular-expression replacement is slow per
    string, so it runs only on the texts it would change (punctuation, spaces to squeeze or trim):
    a third of institution names."""
    import numpy as np
    import pyarrow.compute as pc

    lower = pc.ascii_lower(text)
    out = lower.to_numpy(zero_copy_only=False)
    changed = np.flatnonzero(pc.match_substring_regex(lower, r"[^a-z0-9_ ]|  |^ | $")
                             .to_numpy(zero_copy_only=False))
    spaced = pc.replace_substring_regex(lower.take(changed), r"[^a-z0-9_]+", " ")
    out[changed] = pc.utf8_trim(spaced, " ").to_numpy(zero_copy_only=False)
    return out


# Latin-1 and Latin Extended-A only: assigned in Unicode 1.1, whose decompositions never change,
# so Arrow's tables (another Unicode version than Python's) decompose them as Python does
LATIN = "^[\\x{0}-\\x{17f}]*$"


def _marks_dropped(text):
    """NFKD with the combining marks of Latin letters (U+0300 to U+036F) dropped, in Arrow: 'é'
    becomes 'e'. Where the result is plain ASCII, it folds as plain text."""
    import pyarrow.compute as pc

    return pc.replace_substring_regex(pc.utf8_normalize(text, "NFKD"), "[\\x{300}-\\x{36f}]", "")


COMBINING = ("[" + "".join(chr(c) for c in range(0x300, 0x370))
             + "\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
