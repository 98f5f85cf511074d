"""The operations staff trigger, one function each; views, the API, the CLI and
the scheduler all call these, never the models directly for a state change."""
