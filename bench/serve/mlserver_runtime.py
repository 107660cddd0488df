"""
The Steward Adult network served by Seldon MLServer, for bench/serve/run.ts: the same feature
pipeline (standardised numerics, one-hot categories with `other` and `missing` columns) and the
same Dense weights, exported by the bench from the stored model, in NumPy (float64). A custom
runtime is how MLServer serves a model that is neither scikit-learn, XGBoost nor MLflow.
"""
import json

import numpy as np
from mlserver import MLModel
from mlserver.codecs import PandasCodec
from mlserver.types import InferenceRequest, InferenceResponse, ResponseOutput

ACTIVATIONS = {
    "linear": lambda x: x,
    "relu": lambda x: np.maximum(x, 0.0),
    "tanh": np.tanh,
    "sigmoid": lambda x: 1.0 / (1.0 + np.exp(-x)),
}


class StewardMLP(MLModel):
    async def load(self) -> bool:
        with open(self.settings.parameters.uri) as f:
            spec = json.load(f)
        pipeline = spec["pipeline"]
        self.numeric = [(n["name"], n["mean"], n["std"]) for n in pipeline["numeric"]]
        self.categorical = [
            (c["name"], {v: j for j, v in enumerate(c["vocabulary"])}, c["otherColumn"], c["missingColumn"], len(c["vocabulary"]))
            for c in pipeline["categorical"]
        ]
        self.width = len(pipeline["featureNames"])
        self.layers = [
            (np.asarray(l["kernel"], dtype=np.float64).reshape(l["inputs"], l["units"]), np.asarray(l["bias"], dtype=np.float64), ACTIVATIONS[l["activation"]])
            for l in spec["layers"]
        ]
        return True

    def transform(self, frame) -> np.ndarray:
        n = len(frame)
        x = np.zeros((n, self.width), dtype=np.float64)
        for j, (name, mean, std) in enumerate(self.numeric):
            values = frame[name].to_numpy(dtype=np.float64)
            x[:, j] = np.where(np.isnan(values), 0.0, (values - mean) / std)
        offset = len(self.numeric)
        for name, index, other, missing, size in self.categorical:
            column = frame[name].tolist()
            for i, v in enumerate(column):
                if v is None or v == "":
                    k = size + (1 if other else 0) if missing else -1
                else:
                    k = index.get(v, size if other else -1)
                if k >= 0:
                    x[i, offset + k] = 1.0
            offset += size + (1 if other else 0) + (1 if missing else 0)
        return x

    async def predict(self, payload: InferenceRequest) -> InferenceResponse:
        frame = PandasCodec.decode_request(payload)
        h = self.transform(frame)
        for kernel, bias, activation in self.layers:
            h = activation(h @ kernel + bias)
        scores = h[:, 0]
        return InferenceResponse(
            model_name=self.name,
            outputs=[ResponseOutput(name="score", shape=[len(scores)], datatype="FP64", data=scores.tolist())],
        )
