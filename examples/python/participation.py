"""Who takes part in community governance? The partreg Python package on
the example survey: a binary logit with cluster-robust errors and average
marginal effects, an ordinal model of willingness, and predictions.

    python3 examples/python/participation.py [examples/data/participation_survey.csv]
"""

import os
import sys

import pandas as pd

import partreg

here = os.path.dirname(os.path.abspath(__file__))
path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "data",
                                                          "participation_survey.csv")
df = pd.read_csv(path)

# binary: who participated, standard errors clustered by community
r = partreg.fit("participated ~ social_capital + insured + age + education + log(income)", df,
                vcov="cluster", cluster="community", margins=True)
print(r.summary())
print(r.to_frame()[["estimate", "std_error", "p_value"]].round(4))
print(r.margins()[["term", "estimate", "std_error"]].round(4))

# ordinal: willingness 1..5, proportional odds, with a reference level
w = partreg.fit("willingness ~ social_capital + age + gender", df, family="ordinal",
                ref={"gender": "male"})
print(w.params.round(4))

# predicted probabilities of each willingness level for two residents
new = pd.DataFrame({"social_capital": [-1.0, 1.0], "age": [30, 60],
                    "gender": ["female", "male"]})
print(w.predict(new).round(3))

# errors are exceptions with the library's message
try:
    partreg.fit("participated ~ social_capitl", df)
except partreg.PartregError as e:
    print(f"{e.status_name}: {e.message}")
