"""Static HTML pages: the experiment report (gallery) and the blind listening test with its results."""
