// OpenBLAS's C interface (Debian: libopenblas-dev). openblas_set_num_threads lets the
// engine size BLAS threading to the cores it is given.
#include <cblas.h>
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char *openblas_get_coretype(void);
