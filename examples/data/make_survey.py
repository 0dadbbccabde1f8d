#!/usr/bin/env python3
"""Interim generator of examples/data/participation_survey.csv (issue 6 will
replace it with `partreg simulate`, a C simulator on GSL's RNG).

Residents nested in communities; the true models are documented here:
  social_capital = community effect N(0, 0.5^2) + N(0, 1)
  age ~ U(18, 85); education primary/secondary/tertiary (0.35/0.45/0.20)
  income = exp(7.6 + 0.35 * edu_rank + N(0, 0.5^2))   (log-normal)
  insured (social security) ~ Bernoulli(logistic(-1.0 + 0.6 log(income/2000) + 0.02 (age-45)))
  community effect on participation u_c ~ N(0, 0.4^2)
  participated ~ Bernoulli(logistic(-1.2 + 0.55 social_capital + 0.45 insured
                 + 0.015 (age - 45) + 0.35 [secondary] + 0.70 [tertiary]
                 + 0.25 log(income/2000) + u_c))
  willingness (1..5): cumulative logit, eta = 0.6 social_capital + 0.4 insured
                 + 0.01 (age-45) + 0.3 [secondary] + 0.6 [tertiary] + u_c,
                 thresholds -1.5, -0.4, 0.6, 1.8
"""
import math
import random

rng = random.Random(20261126)
N_COMMUNITIES, PER = 40, 50


def logistic(x):
    return 1.0 / (1.0 + math.exp(-x))


def sample_logistic():
    u = rng.random()
    return math.log(u / (1 - u))


rows = []
for c in range(1, N_COMMUNITIES + 1):
    sc_c = rng.gauss(0, 0.5)
    u_c = rng.gauss(0, 0.4)
    for _ in range(PER):
        sc = sc_c + rng.gauss(0, 1)
        age = rng.randint(18, 85)
        r = rng.random()
        edu = "primary" if r < 0.35 else ("secondary" if r < 0.80 else "tertiary")
        rank = {"primary": 0, "secondary": 1, "tertiary": 2}[edu]
        income = math.exp(7.6 + 0.35 * rank + rng.gauss(0, 0.5))
        insured = rng.random() < logistic(-1.0 + 0.6 * math.log(income / 2000) + 0.02 * (age - 45))
        gender = "female" if rng.random() < 0.52 else "male"
        eta = (0.55 * sc + 0.45 * insured + 0.015 * (age - 45) + 0.35 * (rank == 1)
               + 0.70 * (rank == 2) + 0.25 * math.log(income / 2000) + u_c)
        participated = "yes" if rng.random() < logistic(-1.2 + eta) else "no"
        eta_w = (0.6 * sc + 0.4 * insured + 0.01 * (age - 45) + 0.3 * (rank == 1)
                 + 0.6 * (rank == 2) + u_c)
        latent = eta_w + sample_logistic()
        will = 1 + sum(latent > t for t in (-1.5, -0.4, 0.6, 1.8))
        rows.append((c, round(sc, 4), age, edu, round(income, 2), "yes" if insured else "no",
                     gender, participated, will))

with open("participation_survey.csv", "w") as f:
    f.write("community,social_capital,age,education,income,insured,gender,participated,willingness\n")
    for r in rows:
        f.write(",".join(str(v) for v in r) + "\n")
