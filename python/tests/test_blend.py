"""The score blend: weight * s1 + (1 - weight) * s2 of per-user normalised scores, against numpy."""

from __future__ import annotations

import numpy as np
import pytest
from assetrec.models import EASE, CooccurrenceRecommender
from assetrec.models.blend import Blend
from conftest import random_user_items


def _normalised(s):
    return s / np.abs(np.where(np.isfinite(s), s, 0)).max(axis=1, keepdims=True)


def test_blend_ranks_the_weighted_normalised_scores():
    x = random_user_items(n_users=25, n_items=14, density=0.3, seed=1)
    ease, co = EASE(l2=3.0).fit(x), CooccurrenceRecommender("cosine").fit(x)
    blend = Blend(EASE(l2=3.0), CooccurrenceRecommender("cosine"), weight=0.3).fit(x)
    binary = (x.toarray() > 0).astype(float)
    expected = 0.3 * _normalised(binary @ ease.B_) + 0.7 * _normalised(x.toarray() @ co.similarity_.toarray())
    ids, scores = blend.recommend(np.arange(25), x, N=14)
    for u in range(25):
        got = ids[u][ids[u] >= 0]
        np.testing.assert_allclose(scores[u][: len(got)], expected[u, got], rtol=1e-12)
        unseen = np.flatnonzero(binary[u] == 0)
        assert sorted(got.tolist()) == sorted(unseen.tolist())


def test_blend_never_recommends_an_item_one_model_does_not_model():
    x = random_user_items(n_users=25, n_items=14, density=0.3, seed=2)
    blend = Blend(EASE(l2=3.0, max_items=8), CooccurrenceRecommender("cosine"), weight=0.5).fit(x)
    ids, _ = blend.recommend(np.arange(25), x, N=14)
    assert set(ids[ids >= 0].tolist()) <= set(blend.models[0].items_.tolist())


def test_blend_weight_must_be_a_share():
    with pytest.raises(ValueError, match="weight must be in"):
        Blend(EASE(), EASE(), weight=1.5)


def test_a_blend_of_fitted_models_equals_a_blend_fitted_whole():
    x = random_user_items(n_users=25, n_items=14, density=0.3, seed=3)
    fitted = Blend.of_fitted(EASE(l2=3.0).fit(x), CooccurrenceRecommender("cosine").fit(x), 0.25)
    whole = Blend(EASE(l2=3.0), CooccurrenceRecommender("cosine"), weight=0.25).fit(x)
    users = np.arange(25)
    for a, b in zip(fitted.recommend(users, x, N=5), whole.recommend(users, x, N=5), strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="fitted on the same items"):
        Blend.of_fitted(EASE().fit(x), EASE().fit(x[:, :5]), 0.5)
