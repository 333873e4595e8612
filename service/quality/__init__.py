"""How well the models agree with the newsroom's moderators, and a second model on trial."""
