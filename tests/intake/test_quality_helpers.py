"""The fast helpers of the quality metrics give numpy's own answers (the thresholds were
calibrated with numpy's)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from medexam.materials.intake.quality import percentile


@settings(max_examples=200, deadline=None)
@given(
    arrays(np.float64, st.integers(1, 600), elements=st.floats(0, 1000, allow_nan=False)),
    st.sampled_from([1, 50, 90, 95, 99]),
)
def test_percentile_is_numpys_linear_percentile(values, q):
    assert abs(percentile(values, q) - float(np.percentile(values, q))) <= 1e-9 * max(1.0, values.max())
