/* Cost of the collectives a distributed ES iteration could use, on this machine's MPI:
 * - allgather of the fitness values (what vsml does): 4 doubles per antithetic pair;
 * - allreduce of a 2,384-float gradient (what the authors' code does);
 * - scatter of perturbed parameter vectors from rank 0 (shipping parameters): 2 x pairs x 2,384 floats.
 * Build: mpicc -O2 -o mpi-collectives experiments/mpi-collectives.c
 * Run:   mpirun -np N ./mpi-collectives [PAIRS]   (median of 200 repeats, microseconds) */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

enum { DIMENSION = 2384, REPEATS = 200 };

static int compare(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int pairs = argc > 1 ? atoi(argv[1]) : 1024;
  int *counts = malloc(sizeof(int) * size), *offsets = malloc(sizeof(int) * size);
  for (int r = 0, at = 0; r < size; r++) {
    int first = (int)((long)r * pairs / size), last = (int)((long)(r + 1) * pairs / size);
    counts[r] = 4 * (last - first);
    offsets[r] = at;
    at += counts[r];
  }
  double *fitness = calloc(4 * (size_t)pairs, sizeof(double));
  float *gradient = calloc(DIMENSION, sizeof(float)), *sum = calloc(DIMENSION, sizeof(float));
  size_t members = 2 * (size_t)pairs / size;  /* per rank, rounded down */
  float *all = rank == 0 ? calloc(members * size * DIMENSION, sizeof(float)) : NULL;
  float *mine = calloc(members * DIMENSION, sizeof(float));
  double t[3][REPEATS];
  for (int i = 0; i < REPEATS; i++) {
    MPI_Barrier(MPI_COMM_WORLD);
    double a = MPI_Wtime();
    MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, fitness, counts, offsets, MPI_DOUBLE, MPI_COMM_WORLD);
    double b = MPI_Wtime();
    MPI_Allreduce(gradient, sum, DIMENSION, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    double c = MPI_Wtime();
    MPI_Scatter(all, (int)(members * DIMENSION), MPI_FLOAT, mine, (int)(members * DIMENSION), MPI_FLOAT, 0, MPI_COMM_WORLD);
    double d = MPI_Wtime();
    t[0][i] = b - a; t[1][i] = c - b; t[2][i] = d - c;
  }
  if (rank == 0) {
    for (int k = 0; k < 3; k++) qsort(t[k], REPEATS, sizeof(double), compare);
    printf("{\"ranks\": %d, \"pairs\": %d, \"allgather_fitness_us\": %.1f, \"allreduce_gradient_us\": %.1f, \"scatter_parameters_us\": %.1f}\n",
           size, pairs, 1e6 * t[0][REPEATS / 2], 1e6 * t[1][REPEATS / 2], 1e6 * t[2][REPEATS / 2]);
  }
  MPI_Finalize();
  return 0;
}
