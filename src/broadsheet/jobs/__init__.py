"""Jobs: plan them, key them, skip what is up to date, build the rest."""

# True in a process that runs one command and ends (the console script, a pool
# worker): it may set its loaded modules aside from garbage collection for good
# (gc.freeze). A process that goes on (a test run, a preview server) does not.
ONE_COMMAND_PROCESS = False
