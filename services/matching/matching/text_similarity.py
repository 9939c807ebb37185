"""Similarity of goals and bios with a TF-IDF model fitted on the program's own texts (pure).

The model is fitted offline, per program, from what mentees and mentors wrote: no model is
downloaded and nothing leaves the process. Rows are L2-normalised, so a dot product is the cosine.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from scipy import sparse

# Words nearly every profile in this domain uses say nothing about fit.
_DOMAIN_STOP_WORDS = frozenset(
    {"learn", "learning", "want", "like", "improve", "better", "work", "working", "get", "help"}
)


class TextModel:
    """A TF-IDF space fitted on a corpus; unknown words of later texts are ignored."""

    def __init__(self, corpus: Sequence[str]) -> None:
        # Imported on first use: scikit-learn (with pandas) is about 100 MB of every matching process
        # that has not fitted a model yet, e.g. an idle one.
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

        self.vectorizer = TfidfVectorizer(
            lowercase=True,
            stop_words=sorted(ENGLISH_STOP_WORDS | _DOMAIN_STOP_WORDS),
            token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z0-9+#]+\b",
            sublinear_tf=True,
            dtype=np.float32,
        )
        try:
            self.vectorizer.fit(corpus)
            self.fitted = True
            self.vocabulary: npt.NDArray[np.str_] = self.vectorizer.get_feature_names_out()
        except ValueError:  # no word at all (empty profiles): every similarity is 0
            self.fitted = False
            self.vocabulary = np.asarray([], dtype=np.str_)

    @property
    def dimensions(self) -> int:
        return max(1, len(self.vocabulary))

    def vectors(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """L2-normalised TF-IDF rows of `texts` in this space."""
        if not self.fitted or not texts:  # scikit-learn refuses to transform an empty batch
            return sparse.csr_matrix((len(texts), self.dimensions), dtype=np.float32)
        return sparse.csr_matrix(self.vectorizer.transform(texts), dtype=np.float32)

    def shared_terms(
        self, first: sparse.csr_matrix, second: sparse.csr_matrix, *, limit: int = 3
    ) -> list[str]:
        """The words that weigh most in the similarity of two single-row vectors, for explanations."""
        weights = first.multiply(second).tocoo()
        if weights.nnz == 0:
            return []
        order = np.argsort(-weights.data, kind="stable")[:limit]
        return [str(self.vocabulary[column]) for column in weights.col[order]]


def similarity_block(mentees: sparse.csr_matrix, mentors_t: sparse.csr_matrix) -> npt.NDArray[np.float32]:
    """Dense cosine similarities: mentees (rows) against mentors (`mentors_t` is the transposed matrix)."""
    return np.asarray((mentees @ mentors_t).toarray(), dtype=np.float32)


def similarity_pairs(
    mentees: sparse.csr_matrix,
    mentors: sparse.csr_matrix,
    mentee_index: npt.NDArray[np.intp],
    mentor_index: npt.NDArray[np.intp],
) -> npt.NDArray[np.float32]:
    """Cosine similarities of the pairs (mentee_index[i], mentor_index[i])."""
    if len(mentee_index) == 0:
        return np.zeros(0, dtype=np.float32)
    product = mentees[mentee_index].multiply(mentors[mentor_index])
    return np.asarray(product.sum(axis=1), dtype=np.float32).ravel()
