// Trainers seed libtorch's process-wide generator (initial weights, dropout per step): a test on another thread drawing
// from it between a seed and its use would change the numbers the resume and data-parallel comparisons check.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
