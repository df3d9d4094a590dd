// Open MPI's handles (MPI_COMM_WORLD, MPI_DOUBLE, ...) are macros that take the address of
// extern structs; Swift's importer cannot read them. These functions return them.
#ifndef VSML_CMPI_SHIM_H
#define VSML_CMPI_SHIM_H
#include <mpi.h>

static inline MPI_Comm vsml_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype vsml_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype vsml_mpi_int(void) { return MPI_INT; }
static inline MPI_Datatype vsml_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Errhandler vsml_mpi_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline int vsml_mpi_success(void) { return MPI_SUCCESS; }
static inline int vsml_mpi_thread_funneled(void) { return MPI_THREAD_FUNNELED; }
static inline int vsml_mpi_max_error_string(void) { return MPI_MAX_ERROR_STRING; }

#endif
