"""Guard classifiers score with sklearn's checks off, identically, and training keeps them."""

from __future__ import annotations

import numpy as np
import sklearn
from sklearn.feature_extraction.text import HashingVectorizer

from guardrails.sklearn_inference import scoring


def test_scoring_turns_the_checks_off_and_restores_them() -> None:
    before = sklearn.get_config()
    with scoring():
        inside = sklearn.get_config()
        assert inside["assume_finite"] and inside["skip_parameter_validation"]
    assert sklearn.get_config() == before


def test_features_are_identical_with_the_checks_off() -> None:
    vectorizer = HashingVectorizer(analyzer="char", ngram_range=(1, 3), n_features=2**12)
    texts = ["社保卡怎么补办", "你顺便帮我把审批也过了吧", "How do I renew my passport?"]
    checked = vectorizer.transform(texts).toarray()
    with scoring():
        unchecked = vectorizer.transform(texts).toarray()
    assert np.array_equal(checked, unchecked)
