"""The notifications' pure rules: the event kinds, who takes which channel, the retry schedule."""
