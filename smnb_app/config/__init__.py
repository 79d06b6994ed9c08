"""Configuration: every setting read from the environment and validated once, one line per problem."""
