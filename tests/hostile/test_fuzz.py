"""A bounded fuzz run of the decoder and the capture reader in CI (issue 17): a few
hundred mutated inputs from real runs, none may raise. bench/fuzz_decode.py runs
the same fuzzer for as long as asked."""

from __future__ import annotations

from tests.hostile.mutator import Mutator, decode_streams, fuzz, read_capture_bytes, seeds


def test_targets_decode_the_seeds_whole() -> None:
    for seed in seeds():
        assert decode_streams(seed, seed.client, seed.server) >= 6  # records, decrypted too
        assert read_capture_bytes(seed.pcapng) >= 3


def test_the_same_seed_gives_the_same_cases() -> None:
    data = seeds()[0].pcapng
    first, second = Mutator(5), Mutator(5)
    cases = [first.mutate(data) for _ in range(50)]
    assert cases == [second.mutate(data) for _ in range(50)]
    assert len(set(cases)) > 40 and data not in cases


def test_no_mutated_input_raises() -> None:
    report = fuzz(seed=17, cases=600)
    assert report.cases == 600
    assert not report.failures, report.failures[0][2]
