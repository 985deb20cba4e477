"""What runs, where and in which order; no ML here.

``jobs`` (Job, the stage table, executing one job), ``schedule`` (ordering and running a job
graph), ``executors`` (local process pool, submitit), ``ddp`` (torchrun launches), ``graph``
(model states to jobs), ``needs`` (claims' needs to jobs: the seed x state x language grid),
``export`` (artifacts to result entries), ``cost`` (the job cost model), ``run`` (a profile end to
end), ``calibrate`` and ``stability`` (runs over the original encoder and over several worlds).
"""
