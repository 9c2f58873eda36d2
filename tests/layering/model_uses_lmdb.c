/*
 * A deliberate layering violation: model-level code that calls LMDB.  The
 * kb_model layer is not linked with liblmdb, so this target must fail to
 * link; ctest runs its build with WILL_FAIL (tests/CMakeLists.txt).
 */
#include <stddef.h>

char *mdb_version(int *major, int *minor, int *patch);

int main(void)
{
    return mdb_version(NULL, NULL, NULL) != NULL;
}
