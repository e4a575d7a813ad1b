import itertools

import torch

from hadath.inference.crf import BioCRF, bio_constraints

TAGS = ["O", "B-X", "I-X", "B-Y", "I-Y"]


def _valid(path: tuple[int, ...]) -> bool:
    allowed, start = bio_constraints(TAGS)
    return bool(start[path[0]]) and all(bool(allowed[a, b]) for a, b in itertools.pairwise(path))


def _crf() -> BioCRF:
    torch.manual_seed(0)
    crf = BioCRF(TAGS)
    with torch.no_grad():
        for p in crf.parameters():
            p.normal_()
    return crf.requires_grad_(False)


def test_marginals_and_viterbi_match_brute_force() -> None:
    crf = _crf()
    em = torch.randn(1, 4, len(TAGS))
    mask = torch.ones(1, 4, dtype=torch.bool)
    trans, start = crf.transitions, crf.start
    scores = {}
    for path in itertools.product(range(len(TAGS)), repeat=4):
        if _valid(path):
            s = start[path[0]] + em[0, 0, path[0]] + crf.end[path[-1]]
            s = s + sum(trans[a, b] + em[0, t + 1, b] for t, (a, b) in enumerate(itertools.pairwise(path)))
            scores[path] = float(s)
    z = torch.logsumexp(torch.tensor(list(scores.values())), 0)
    expected = torch.zeros(4, len(TAGS))
    for path, s in scores.items():
        for t, tag in enumerate(path):
            expected[t, tag] += torch.exp(torch.tensor(s) - z)
    got = crf.marginals(em, mask)[0]
    assert torch.allclose(got, expected, atol=1e-5)
    assert crf.decode(em, mask)[0] == list(max(scores, key=scores.get))
    nll = crf.neg_log_likelihood(em, torch.tensor([list(max(scores, key=scores.get))]), mask)
    assert abs(float(nll) - (float(z) - max(scores.values()))) < 1e-4


def test_padding_does_not_change_results() -> None:
    crf = _crf()
    em = torch.randn(2, 5, len(TAGS))
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]], dtype=torch.bool)
    alone = crf.marginals(em[1:, :3], mask[1:, :3])[0]
    batched = crf.marginals(em, mask)[1, :3]
    assert torch.allclose(alone, batched, atol=1e-6)
    assert torch.allclose(batched.sum(-1), torch.ones(3), atol=1e-5)
    assert crf.decode(em, mask)[1] == crf.decode(em[1:, :3], mask[1:, :3])[0]
    for path in crf.decode(em, mask):
        assert _valid(tuple(path))
