"""The project's own scale instruments: a synthetic data set, its measurements, a load test.

generate.py builds N cases with every row the app would write for them, through bulk paths
(COPY on PostgreSQL); measure.py times the access policy and the pages against it; sessions.py
signs people in for the measurements and the load test. Nothing here is imported by the app.
"""
