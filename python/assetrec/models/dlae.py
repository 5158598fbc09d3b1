"""DLAE and EDLAE (Steck 2020, "Autoencoders that don't overfit towards the Identity", NeurIPS 2020):
closed-form linear autoencoders trained with dropout, the full-rank models of the paper.

With ``G = X.T X`` and the dropout-induced regularisation ``Lambda = p / (1 - p) * diagMat(diag(G)) + l2 * I``
(``p`` = dropout probability; Eq. 3 of the paper plus the usual L2 term, as in the author's notebook):

- DLAE (denoising linear autoencoder, diagonal not constrained): ``B = (G + Lambda)^-1 G``
  ( = ``I - P Lambda`` with ``P = (G + Lambda)^-1``);
- EDLAE (emphasized denoising, full rank, Eqs. 8-9): ``P = (G + Lambda)^-1``,
  ``B = I - P diagMat(1 / diag(P))``, so ``diag(B) = 0``: EASE with the dropout ``Lambda`` in place of
  ``l2 * I`` (EDLAE with ``p = 0`` is EASE).

Scores are ``X B``. Both share EASE's machinery (:mod:`assetrec.models.ease`): blockwise Gram matrix,
in-place Cholesky inverse, ``max_items``, ``max_bytes``, ``num_threads``, ``dtype``.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from assetrec import checks
from assetrec.models.ease import (
    DenseItemItem,
    block_size,
    inverse_in_place,
    zero_diagonal_weights,
)

__all__ = ["DLAE", "EDLAE"]


class _DropoutLAE(DenseItemItem):
    """Shared by DLAE and EDLAE: the parameters, the input transform and ``P = (G + Lambda)^-1``."""

    def __init__(self, p: float = 0.25, l2: float = 10.0, **options):
        """``options``: DenseItemItem's ``dtype, max_bytes, num_threads, batch_size, max_items``."""
        super().__init__(**options)
        self.p = checks.number(p, "p", minimum=0, strictly_below=1)
        self.l2 = checks.number(l2, "l2", minimum=0)
        if self.p == 0 and self.l2 == 0:
            raise ValueError("p and l2 must not both be 0: X.T X alone is not invertible in general")
        self.lambda_: np.ndarray | None = None

    def _x(self, m: sp.csr_matrix) -> sp.csr_matrix:
        """The values as given (in ``dtype``): the caller chooses the input transform."""
        return m.astype(self.dtype)

    def _inverse(self, g: np.ndarray) -> np.ndarray:
        """``P = (G + Lambda)^-1`` in the Gram matrix's memory; keeps ``diag(Lambda)`` in ``lambda_``."""
        diag = np.diag_indices(g.shape[0])
        lam = g[diag] * self.dtype.type(self.p / (1.0 - self.p)) + self.dtype.type(self.l2)
        g[diag] += lam
        self.lambda_ = lam
        hint = "increase l2 (with l2 = 0 every item needs a user with a non-zero value)"
        return inverse_in_place(g, "X.T X + Lambda", hint)


class DLAE(_DropoutLAE):
    """DLAE (Steck 2020): the full-rank denoising linear autoencoder, ``B = (G + Lambda)^-1 G``.

    ``G = X.T X``, ``Lambda = p / (1 - p) * diagMat(diag(G)) + l2 * I``: dropout with probability ``p`` (in
    [0, 1), default 0.25) penalises each weight row by its item's squared norm, ``l2`` (>= 0, default 10)
    adds a plain L2 penalty; not both 0. The diagonal of ``B`` is not constrained (it is
    ``1 - P_jj Lambda_jj`` > 0): a user's own items score themselves, which only matters with
    ``filter_already_liked_items=False``; ``similar_items`` never returns the item itself.

    Input: ``X`` is the matrix given to ``fit`` and ``recommend`` with its values as given (unlike EASE,
    which binarises by default): the caller chooses the transform (binary, log1p, strength) and applies it
    to both. Memory, ``max_items``, ``max_bytes``, ``num_threads``, ``dtype``: as EASE
    (:class:`assetrec.models.ease.DenseItemItem`).
    """

    def _weights(self, g: np.ndarray) -> np.ndarray:
        p = self._inverse(g)
        # B = I - P Lambda (= P G): column j of P times -Lambda_j, then 1 added on the diagonal.
        n = p.shape[0]
        block = block_size(n)
        for i0 in range(0, n, block):
            p[i0 : i0 + block] *= -self.lambda_
        p[np.diag_indices(n)] += self.dtype.type(1)
        return p


class EDLAE(_DropoutLAE):
    """EDLAE (Steck 2020): the full-rank emphasized denoising linear autoencoder, zero diagonal.

    ``P = (G + Lambda)^-1``, ``B = I - P diagMat(1 / diag(P))`` (``B_ij = -P_ij / P_jj``, ``B_jj = 0``), with
    ``G`` and ``Lambda`` as in :class:`DLAE`: EASE with the dropout penalty (``p = 0`` gives EASE with the
    same ``l2``). Parameters and input as :class:`DLAE` (values as given: binarise the input yourself to
    match EASE's default).
    """

    def _weights(self, g: np.ndarray) -> np.ndarray:
        return zero_diagonal_weights(self._inverse(g))
