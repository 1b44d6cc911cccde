"""Pure functions over a parsed model: statistics, quantization, partitions, MACs."""
