import pytest

from core import plots
from core.train import TrainConfig, TrainingRun


def test_curves_boundary_and_confusion_figures():
    run = TrainingRun(TrainConfig.from_user(dataset="moons", epochs=4))
    history = list(run.epochs())
    curves = plots.training_curves(history, 4)
    names = [t.meta for t in curves.data]
    assert names == ["train loss", "validation loss", "train accuracy", "validation accuracy"]
    assert [t.showlegend for t in curves.data] == [True, True, False, False]
    assert list(curves.data[1].y) == pytest.approx([r.val_loss for r in history], abs=1e-5)
    assert tuple(curves.layout.xaxis.range) == (0.5, 4.5)   # the axis does not rescale while training

    boundary = plots.decision_boundary(run.boundary(20), run.data)
    assert boundary.data[0].type == "heatmap" and len(boundary.data) == 1 + run.data.n_classes

    cm = run.result().metrics["confusion_matrix"]
    fig = plots.confusion_matrix(cm, run.data.class_names)
    assert fig.data[0].z.tolist() == cm
    assert fig.to_json()   # serializable for the browser
