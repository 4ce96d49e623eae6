"""The four architectures: shapes, one step lowers the loss, seeded determinism, layer tables."""

import pytest
import torch

from core.architectures import build_model, count_parameters, layer_table
from core.errors import InvalidInput
from core.train import TrainConfig, TrainingRun

ARCHS = ["mlp", "cnn", "lstm", "transformer"]


def make(arch, seed=0, dropout=0.0, hidden=(32, 32)):
    gen = torch.Generator().manual_seed(seed)
    return build_model(arch, 64, (8, 8), hidden, 10, dropout, gen, torch.Generator().manual_seed(seed + 2))


@pytest.mark.parametrize("arch", ARCHS)
def test_output_has_one_logit_per_class(arch):
    assert make(arch)(torch.zeros(5, 64)).shape == (5, 10)


@pytest.mark.parametrize("arch", ARCHS)
def test_one_training_step_lowers_the_loss_on_a_fixed_batch(arch):
    model = make(arch)
    x = torch.randn(32, 64, generator=torch.Generator().manual_seed(1))
    y = torch.arange(32) % 10
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    before = torch.nn.functional.cross_entropy(model(x), y)
    opt.zero_grad()
    before.backward()
    opt.step()
    after = torch.nn.functional.cross_entropy(model(x), y)
    assert after < before


@pytest.mark.parametrize("arch", ARCHS)
def test_same_seed_same_weights_whatever_the_global_rng(arch):
    torch.manual_seed(123)
    a = make(arch, seed=4, dropout=0.2)
    torch.manual_seed(999)
    b = make(arch, seed=4, dropout=0.2)
    for (na, pa), (nb, pb) in zip(a.state_dict().items(), b.state_dict().items()):
        assert na == nb and torch.equal(pa, pb), na
    c = make(arch, seed=5)
    assert any(not torch.equal(p, q) for p, q in zip(a.state_dict().values(), c.state_dict().values()))


@pytest.mark.parametrize("arch", ARCHS)
def test_seeded_training_is_reproducible(arch):
    def curve():
        run = TrainingRun(TrainConfig.from_user(dataset="digits", model=arch, epochs=2, dropout=0.1,
                                                hidden_sizes="32", seed=3))
        return [r.train_loss for r in run.epochs()]
    assert curve() == curve()


@pytest.mark.parametrize("arch, first_type, rows_end_with", [
    ("mlp", "Linear", "Linear"), ("cnn", "Conv2d", "Linear"), ("lstm", "LSTM", "Linear"),
    ("transformer", "Linear", "Linear")])
def test_layer_table_lists_shapes_and_adds_up_to_the_parameter_count(arch, first_type, rows_end_with):
    model = make(arch)
    rows = layer_table(model, 64)
    assert rows[0]["type"] == first_type and rows[-1]["type"] == rows_end_with
    assert rows[-1]["output_shape"] == [10]
    assert sum(r["params"] for r in rows) == count_parameters(model)


def test_cnn_flattened_size_is_measured_not_hard_coded():
    model = make("cnn")
    flatten = next(r for r in layer_table(model, 64) if r["type"] == "Flatten")
    assert flatten["output_shape"] == [32 * 2 * 2]
    wide = build_model("cnn", 144, (12, 12), (16,), 3, 0.0, torch.Generator(), torch.Generator())
    assert wide(torch.zeros(2, 144)).shape == (2, 3)


def test_image_models_refuse_tabular_data_and_odd_transformer_widths():
    with pytest.raises(InvalidInput, match="digits"):
        TrainingRun(TrainConfig.from_user(dataset="moons", model="cnn"))
    with pytest.raises(InvalidInput, match="multiple of its 4 attention heads"):
        make("transformer", hidden=(30,))


def test_l1_penalty_drives_weights_towards_zero():
    def small_weights(l1):
        run = TrainingRun(TrainConfig.from_user(dataset="classification", epochs=15, l1=l1, hidden_sizes="32"))
        list(run.epochs())
        w = torch.cat([p.detach().flatten() for n, p in run.model.named_parameters() if n.endswith("weight")])
        return float((w.abs() < 1e-2).float().mean())
    assert small_weights(0.01) > small_weights(0.0) + 0.2
