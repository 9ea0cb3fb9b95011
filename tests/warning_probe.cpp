// One warning on purpose (an unused variable, -Wunused-variable under -Wall), nothing else: the
// tests `build.*` compile it with the project's options to see that a warning is reported, and
// that with IDEMSIM_WERROR it fails the build. Never part of a target.
int main() {
  int unused = 0;
  return 0;
}
