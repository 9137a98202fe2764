"""The Rasa project (config, domain, endpoints, stories/rules) and its custom NLU components."""
