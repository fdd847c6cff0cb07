"""Neural-network building blocks shared by the components (WaveNet, relative transformer, PQMF, residual
blocks, conv stacks, weight norm). The bottom layer: imports nothing from components, models or bin."""
