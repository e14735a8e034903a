"""The fast helpers of the quality metrics give numpy's own answers (the thresholds were
calibrated with numpy's)."""

from __future__ import annotations

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from medexam.materials.intake.quality import TILE, _second_differences, _tile_top, percentile


@settings(max_examples=200, deadline=None)
@given(
    arrays(np.float64, st.integers(1, 600), elements=st.floats(0, 1000, allow_nan=False)),
    st.sampled_from([1, 50, 90, 95, 99]),
)
def test_percentile_is_numpys_linear_percentile(values, q):
    assert abs(percentile(values, q) - float(np.percentile(values, q))) <= 1e-9 * max(
        1.0, values.max()
    )


def _second_differences_2d(g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The definition, on 2-D slices: [1, 2, 1] across the direction, [1, -2, 1] along it."""
    g = g.astype(np.int32)
    across_y = g[:-2] + 2 * g[1:-1] + g[2:]
    d2x = across_y[:, :-2] - 2 * across_y[:, 1:-1] + across_y[:, 2:]
    across_x = g[:, :-2] + 2 * g[:, 1:-1] + g[:, 2:]
    d2y = across_x[:-2] - 2 * across_x[1:-1] + across_x[2:]
    return np.abs(d2x), np.abs(d2y)


def _pictures(dtype, sides: tuple[int, int], top: int):
    """2-D arrays of `dtype` with both sides in `sides` and values 0..top."""
    side = st.integers(*sides)
    return arrays(dtype, st.tuples(side, side), elements=st.integers(0, top))


# 0/255 stripes give the largest second differences there are (|value| 4 * 510): columns
# for the x direction, rows for the y direction.
_COLUMNS = (np.indices((7, 9))[1] % 2 * 255).astype(np.uint8)


@settings(max_examples=200, deadline=None)
@given(_pictures(np.uint8, (3, 80), 255))
@example(_COLUMNS)
@example(np.ascontiguousarray(_COLUMNS.T))
def test_flat_second_differences_are_the_2d_definition(pixels):
    """The blur metric works on the flattened picture (shifts by 1 and by the width); the
    columns that wrap from one row into the next must be cut off, and nothing may overflow
    int16 (extremes of 0 and 255 give the largest values)."""
    d2x, d2y = _second_differences(pixels.astype(np.int16))
    want_x, want_y = _second_differences_2d(pixels)
    assert d2x.shape == want_x.shape and d2y.shape == want_y.shape
    assert np.array_equal(d2x, want_x)
    assert np.array_equal(d2y, want_y)


@settings(max_examples=100, deadline=None)
@given(_pictures(np.int16, (1, 120), 4 * 510))
def test_tile_top_is_the_95th_percentile_of_tile_means(values):
    rows, cols = values.shape[0] // TILE, values.shape[1] // TILE
    if rows == 0 or cols == 0:
        want = float(values.mean())
    else:
        means = [
            values[r * TILE : (r + 1) * TILE, c * TILE : (c + 1) * TILE].astype(np.int64).mean()
            for r in range(rows)
            for c in range(cols)
        ]
        want = float(np.percentile(means, 95))
    assert abs(_tile_top(values) - want) <= 1e-9 * max(1.0, want)
