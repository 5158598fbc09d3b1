"""The recommenders, one module per family, all following :class:`assetrec.recommender_base.Recommender`.

Which of them the warehouse evaluates and deploys, under which names and settings: :mod:`assetrec.registry`.
"""

from assetrec.models.als import AlternatingLeastSquares
from assetrec.models.cooccurrence import SIMILARITIES, CooccurrenceRecommender, cooccurrence_similarity
from assetrec.models.dlae import DLAE, EDLAE
from assetrec.models.ease import EASE
from assetrec.models.popularity import MostPopular
from assetrec.models.rp3beta import RP3beta

__all__ = [
    "DLAE",
    "EASE",
    "EDLAE",
    "SIMILARITIES",
    "AlternatingLeastSquares",
    "CooccurrenceRecommender",
    "MostPopular",
    "RP3beta",
    "cooccurrence_similarity",
]
