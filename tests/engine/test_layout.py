"""The layered layout: left to right, leaves beside their consumers, few crossings."""

from __future__ import annotations

import itertools

import pytest

from engine import PRESETS, parse_program
from engine.layout import layered_layout


def segments(edges):
    for edge in edges:
        yield from zip(edge["points"], edge["points"][1:])


def crossings(edges) -> int:
    """Pairs of edge segments between the same two layers that swap order."""
    count = 0
    for (a0, a1), (b0, b1) in itertools.combinations(list(segments(edges)), 2):
        if a0[0] == b0[0] and a1[0] == b1[0] and a0 != b0 and a1 != b1:
            count += (a0[1] - b0[1]) * (a1[1] - b1[1]) < 0
    return count


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_every_edge_goes_left_to_right_one_layer_per_segment(preset):
    graph = parse_program(PRESETS[preset].program)
    positions, edges = layered_layout(graph)
    assert set(positions) == {n.id for n in graph.nodes}
    for node in graph.nodes:
        for child in node.inputs:
            assert positions[child.id][0] < positions[node.id][0]
    for a, b in segments(edges):
        assert b[0] == a[0] + 1
    assert positions[graph.output.id][0] == max(layer for layer, _ in positions.values())


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_lecture_graphs_draw_without_crossings(preset):
    _, edges = layered_layout(parse_program(PRESETS[preset].program))
    assert crossings(edges) == 0


def test_leaf_sits_just_left_of_its_consumer_and_first_operand_on_top():
    # The slides draw b next to the + it feeds, and w above x in wᵀx.
    positions, _ = layered_layout(parse_program(PRESETS["logreg"].program))
    assert positions["b"][0] == positions["z"][0] - 1
    assert positions["w"][0] == positions["x"][0] == 0
    assert positions["w"][1] < positions["x"][1]


def test_rows_are_centred_and_distinct_within_a_layer():
    positions, _ = layered_layout(parse_program(PRESETS["colah"].program))
    layer0 = sorted(row for layer, row in positions.values() if layer == 0)
    assert layer0 == [-1.0, 0.0, 1.0]


def test_a_long_edge_bends_through_each_layer_between():
    graph = parse_program("x = input(1.0)\na = exp(x)\nb = sin(a)\nc = b * x")
    _, edges = layered_layout(graph)
    long = next(e for e in edges if e["source"] == "x" and e["target"] == "c")
    assert [p[0] for p in long["points"]] == [0, 1, 2, 3]
