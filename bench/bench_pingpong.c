/* SPDX-License-Identifier: MIT */
/*
 * Raw baseline for `vactl bench`: two processes over a socketpair, 32-byte
 * messages, blocking read/write, sequential round trips.  No framing, no
 * codec, no event loop: the floor any RPC over a stream pays.
 * Usage: bench_pingpong [COUNT]  (default 100000)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MSG 32

static int full(int fd, uint8_t *b, int wr)
{
    size_t done = 0;
    while (done < MSG) {
        ssize_t n = wr ? write(fd, b + done, MSG - done) : read(fd, b + done, MSG - done);
        if (n <= 0) {
            return -1;
        }
        done += (size_t)n;
    }
    return 0;
}

int main(int argc, char **argv)
{
    long count = argc > 1 ? atol(argv[1]) : 100000;
    uint8_t b[MSG] = { 0 };
    struct timespec t0, t1;
    int sv[2];
    pid_t pid;
    double s;

    if (count <= 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
        return 2;
    }
    pid = fork();
    if (pid == 0) {
        close(sv[0]);
        while (full(sv[1], b, 0) == 0 && full(sv[1], b, 1) == 0) {
        }
        _exit(0);
    }
    close(sv[1]);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < count; i++) {
        b[0] = (uint8_t)i;
        if (full(sv[0], b, 1) != 0 || full(sv[0], b, 0) != 0) {
            return 1;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    close(sv[0]);
    waitpid(pid, NULL, 0);
    s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("raw: %ld sequential 32-byte round trips in %.3f s: %.0f per s, %.2f us per "
           "round trip\n", count, s, (double)count / s, s * 1e6 / (double)count);
    return 0;
}
