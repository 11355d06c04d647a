"""The Docker image and docker-compose stack, built and run on a real Docker engine."""
