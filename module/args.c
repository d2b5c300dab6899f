// SPDX-License-Identifier: GPL-2.0
/*
 * Size-prefixed ioctl arguments (see "General ioctl format" in the uapi
 * header): every struct starts with __u32 size and __u32 flags.
 */
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/uaccess.h>

#include "zcopy.h"

/**
 * zcopy_copy_args_in - read a size-prefixed ioctl struct from user space
 * @karg: kernel copy, @ksize bytes; zero-filled past the user's size
 * @ksize: sizeof the struct this module knows
 * @minsize: size of the first version of the struct
 * @uarg: user pointer
 * @usize: out: the size user space declared
 *
 * Return: 0, -EFAULT, -EINVAL (size below the first version) or -E2BIG
 * (user space knows a longer struct and set bytes this module ignores, or
 * declares more than a page).
 */
int zcopy_copy_args_in(void *karg, size_t ksize, size_t minsize,
		       const void __user *uarg, u32 *usize)
{
	u32 size;
	int ret;

	if (get_user(size, (const u32 __user *)uarg))
		return -EFAULT;
	if (size < minsize)
		return -EINVAL;
	/* as clone3(): a struct will never grow past a page; scanning a few
	 * GiB of user memory for zeroes is not worth starting
	 */
	if (size > PAGE_SIZE)
		return -E2BIG;
	ret = copy_struct_from_user(karg, ksize, uarg, size);
	if (ret)
		return ret;
	*usize = size;
	return 0;
}

/**
 * zcopy_copy_args_out - write a struct back, never more than user's size
 * @uarg: user pointer
 * @karg: kernel copy; every byte of it must be initialised
 * @ksize: sizeof the struct this module knows
 * @usize: the size user space declared
 *
 * Return: 0 or -EFAULT.
 */
int zcopy_copy_args_out(void __user *uarg, const void *karg, size_t ksize,
			u32 usize)
{
	if (copy_to_user(uarg, karg, min_t(size_t, ksize, usize)))
		return -EFAULT;
	return 0;
}
