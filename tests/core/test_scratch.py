"""The NumPy network agrees with PyTorch's autograd."""

import numpy as np
import pytest
import torch

from core.errors import InvalidInput
from core.scratch import NumpyMLP, ScratchConfig, ScratchRun, cross_entropy, mse, update_step_source


@pytest.mark.parametrize("loss", ["cross_entropy", "mse"])
@pytest.mark.parametrize("dataset, hidden", [("moons", "16"), ("digits", "32, 16")])
def test_numpy_gradients_equal_autograd_to_1e_6(dataset, hidden, loss):
    run = ScratchRun(ScratchConfig.from_user(dataset=dataset, hidden_sizes=hidden, loss=loss))
    assert run.gradient_difference(run.x[:32], run.y[:32]) < 1e-6


@pytest.mark.parametrize("loss", ["cross_entropy", "mse"])
def test_losses_and_gradients_against_torch(loss):
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(6, 3))
    y = np.array([0, 1, 2, 2, 1, 0])
    value, grad = (cross_entropy if loss == "cross_entropy" else mse)(logits, y)
    t = torch.tensor(logits, requires_grad=True)
    if loss == "cross_entropy":
        ref = torch.nn.functional.cross_entropy(t, torch.tensor(y))
    else:
        ref = torch.nn.functional.mse_loss(t, torch.nn.functional.one_hot(torch.tensor(y), 3).double())
    ref.backward()
    assert value == pytest.approx(float(ref.detach()), abs=1e-12)
    np.testing.assert_allclose(grad, t.grad.numpy(), atol=1e-12)


def test_numpy_and_pytorch_learn_the_same_curve():
    run = ScratchRun(ScratchConfig.from_user(dataset="moons", epochs=10, learning_rate=0.2))
    history = list(run.epochs())
    result = run.result()
    assert history[-1].numpy_loss < history[0].numpy_loss
    for r in history:
        assert r.numpy_loss == pytest.approx(r.torch_loss, rel=1e-9)
    assert result.numpy_accuracy == result.torch_accuracy > 0.85


def test_starts_from_the_pytorch_models_initial_weights():
    run = ScratchRun(ScratchConfig.from_user(dataset="moons", hidden_sizes="8"))
    first = run.torch_model[0]
    np.testing.assert_array_equal(run.numpy_model.W[0], first.weight.detach().numpy())


def test_sgd_step_is_weight_minus_lr_times_gradient():
    m = NumpyMLP([np.ones((2, 3))], [np.zeros(2)])
    m.sgd_step([np.full((2, 3), 2.0)], [np.ones(2)], lr=0.5)
    np.testing.assert_array_equal(m.W[0], np.zeros((2, 3)))
    np.testing.assert_array_equal(m.b[0], [-0.5, -0.5])


def test_page_shows_the_real_update_code_and_bad_loss_is_refused():
    code = update_step_source()
    assert "def backward(self, d_out, cache):" in code and "self.W[i] -= lr * grads_W[i]" in code
    with pytest.raises(InvalidInput, match="Loss must be one of"):
        ScratchConfig.from_user(loss="hinge")


def test_a_numpy_run_too_long_for_a_shared_server_is_refused_up_front():
    from core.errors import ResourceLimit

    with pytest.raises(ResourceLimit, match="larger batch size or fewer epochs"):
        ScratchRun(ScratchConfig.from_user(dataset="digits", batch_size=1, epochs=300))
