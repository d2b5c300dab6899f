// SPDX-License-Identifier: GPL-2.0
/*
 * The /dev/zcopy misc device and its ioctl dispatch.
 */
#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include "zcopy.h"

static int zcopy_open(struct inode *inode, struct file *file)
{
	return stream_open(inode, file);
}

static long zcopy_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (ZCOPY_CMD(cmd)) {
	case ZCOPY_CMD(ZCOPY_IOC_INFO):
		return zcopy_ioctl_info(uarg);
	case ZCOPY_CMD(ZCOPY_IOC_XFER):
		return zcopy_xfer(uarg, 0, NULL);
	}
	return -ENOTTY;
}

/*
 * .owner pins the module while the device is open, so rmmod is refused
 * until the last file is closed; an io_uring request holds the file (and
 * so the module) from its submission until it has completed.
 */
static const struct file_operations zcopy_fops = {
	.owner		= THIS_MODULE,
	.open		= zcopy_open,
	.unlocked_ioctl	= zcopy_ioctl,
	/* every ABI struct has the same layout for 32-bit callers */
	.compat_ioctl	= compat_ptr_ioctl,
	.uring_cmd	= zcopy_uring_cmd,
};

static struct miscdevice zcopy_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "zcopy",
	.fops	= &zcopy_fops,
	/* root only unless the udev rule says otherwise */
	.mode	= 0600,
};

int zcopy_device_init(void)
{
	return misc_register(&zcopy_miscdev);
}

void zcopy_device_uninit(void)
{
	misc_deregister(&zcopy_miscdev);
}
